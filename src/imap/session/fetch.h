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
// Items come out in the order asked; BODY[...] literals carry the exact stored bytes
// (CRLF as stored), partial fetches answer "BODY[...]<origin>" (RFC 9051 §7.5.2).
FetchError append_fetch(std::string& out, uint32_t seq, MessageData& msg,
                        const std::vector<FetchAtt>& atts, const FetchOptions& opt);

// True when an item marks the message \Seen: BODY[...] and BINARY[...] without .PEEK,
// RFC822 and RFC822.TEXT (RFC 9051 §6.4.5).
bool fetch_sets_seen(const std::vector<FetchAtt>& atts);

// True when an item needs the message file (anything beyond index data: FLAGS, UID,
// INTERNALDATE, RFC822.SIZE, MODSEQ, SAVEDATE, EMAILID; ENVELOPE and BODYSTRUCTURE count
// as needing it unless the folder cache has them).
bool fetch_needs_file(const std::vector<FetchAtt>& atts);

}  // namespace magpie::imap
