// FETCH execution (RFC 9051 §6.4.5, §7.5.2; RFC 3516 BINARY; RFC 7162 MODSEQ; RFC 8514
// SAVEDATE; RFC 8474 EMAILID/THREADID): renders one message's "* n FETCH (...)" response.
// Pure: the session decides which messages, sets \Seen beforehand and passes the flags.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "imap/proto/command.h"
#include "imap/session/message.h"

namespace magpie::imap {

struct FetchOptions {
    bool uid = false;        // UID FETCH, or VANISHED/CHANGEDSINCE: the UID item is always sent
    bool modseq = false;     // CONDSTORE/QRESYNC enabled, or CHANGEDSINCE: MODSEQ is always sent
    bool recent = false;     // the message is \Recent in this session (IMAP4rev1 only)
    bool add_flags = false;  // send FLAGS even if not asked (\Seen was just set by this FETCH)
    bool imap4rev2 = false;  // IMAP4rev2 enabled: no \Recent in FLAGS
};

enum class FetchError {
    None,
    UnknownCte,  // BINARY of a part with an unknown transfer encoding (RFC 3516 §4.3)
    Gone,        // the file disappeared (expunged by another process)
};

// Appends "* <seq> FETCH (...)\r\n" for `msg`. On an error nothing is appended.
// - Items come out in the order asked. With opt.uid / opt.modseq, UID and MODSEQ come
//   first unless asked; with opt.add_flags, FLAGS comes last unless asked.
// - Index items (FLAGS UID INTERNALDATE RFC822.SIZE MODSEQ SAVEDATE EMAILID THREADID)
//   never touch the file. INTERNALDATE and SAVEDATE are given in UTC (+0000); SAVEDATE is
//   NIL when unknown; THREADID is NIL; RFC822.SIZE and EMAILID as in index_items.h.
// - ENVELOPE and BODYSTRUCTURE come from the folder cache when msg.folder() is set (a miss
//   computes both and stores them); BODY is computed. Top-level HEADER/TEXT/HEADER.FIELDS
//   and ENVELOPE parse only the header unless another item needs the MIME tree.
// - Literals are the stored bytes with bare LF sent as CRLF, their sizes counted after
//   that (as BODYSTRUCTURE counts them); NUL is sent as 0x80 in BODY[...] and RFC822*.
//   Partials answer "BODY[...]<origin>"; an empty result, a nonexistent part and HEADER/
//   TEXT of a part that is no message/rfc822 are "{0}\r\n", as Dovecot sends them.
// - BINARY decodes base64/QP leaves (sent as literal8 "~{n}", as Dovecot does) and sends
//   identity-encoded leaves, multiparts, message/rfc822 parts and BINARY[] as stored
//   (literal8 when they hold a NUL). Dovecot instead decodes the leaves inside a BINARY of
//   a multipart; not done here.
// Errors: Gone when an item needs the file and it is gone even after a folder sync;
// UnknownCte for BINARY/BINARY.SIZE of a leaf with an unknown Content-Transfer-Encoding.
FetchError append_fetch(std::string& out, uint32_t seq, MessageData& msg,
                        const std::vector<FetchAtt>& atts, const FetchOptions& opt);

// True when an item marks the message \Seen: BODY[...] and BINARY[...] without .PEEK,
// RFC822 and RFC822.TEXT (RFC 9051 §6.4.5).
bool fetch_sets_seen(const std::vector<FetchAtt>& atts);

// True when an item may need the message file: anything beyond the index items FLAGS,
// UID, INTERNALDATE, RFC822.SIZE, MODSEQ, SAVEDATE, EMAILID and THREADID. ENVELOPE and
// BODYSTRUCTURE count, though append_fetch() serves them from the folder cache when it can.
bool fetch_needs_file(const std::vector<FetchAtt>& atts);

}  // namespace magpie::imap
