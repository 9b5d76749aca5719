// SEARCH execution (RFC 9051 §6.4.4; RFC 7162 MODSEQ; RFC 5032 OLDER/YOUNGER; RFC 8514
// SAVEDATE; RFC 5182 "$"): evaluates a parsed search program against messages.
// Pure: the session passes the view's messages and its per-session facts.
#pragma once
#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "imap/proto/command.h"
#include "imap/session/message.h"

namespace magpie::imap {

struct SearchContext {
    uint32_t max_seq = 0;  // "*" in sequence sets
    uint32_t max_uid = 0;  // "*" in UID sets
    const std::vector<uint32_t>* saved_uids = nullptr;  // SEARCHRES result for "$"; null: empty
    std::function<bool(uint32_t uid)> is_recent;         // \Recent in this session
    int64_t now = 0;                                     // unix time, for OLDER/YOUNGER
};

// Converts the strings of a program given with CHARSET to UTF-8 (US-ASCII and UTF-8 always
// work). False when the charset is unknown: the caller answers NO [BADCHARSET].
bool prepare_search(SearchKey& key, const std::string& charset);

// What the keys compare (decisions beyond RFC 9051 §6.4.4):
// - BEFORE/ON/SINCE and SAVEDATE*: the day of the timestamp in the server's local time zone
//   (as Dovecot does); a message without a save date uses its internal date. SAVEDATESUPPORTED
//   matches every message (the store records save dates).
// - SENTBEFORE/SENTON/SENTSINCE: the day of the Date: field as written, in its own zone; a
//   message without a readable Date: field matches none of them.
// - OLDER n: internal date <= now - n; YOUNGER n: internal date > now - n (RFC 5032).
// - MODSEQ: the message's mod-sequence >= the value; the entry name and type are ignored.
// - EMAILID/THREADID (RFC 8474): no message matches; the store has no object ids yet.
// - Text is case-folded per casefold.h; BODY reads every text/* part (all alternatives,
//   HTML reduced to text) and the headers of attached messages; TEXT adds the header. An
//   empty string in BCC/CC/FROM/TO/SUBJECT/HEADER matches messages having the field.
// - "$" (RFC 5182) in a sequence or UID set stands for the messages in saved_uids.

// True when message number `seq` matches. Text keys (FROM, SUBJECT, BODY, TEXT, HEADER...)
// compare decoded UTF-8, case-insensitively, as substrings (RFC 9051 §6.4.4).
bool search_matches(const SearchKey& key, uint32_t seq, MessageData& msg,
                    const SearchContext& ctx);

// Seq numbers (1-based, ascending) of the messages in `msgs` (msgs[i] is seq i+1) that
// match. Loads files only when a key needs them, and releases each after use.
std::vector<uint32_t> run_search(const SearchKey& key, std::vector<MessageData>& msgs,
                                 const SearchContext& ctx);

}  // namespace magpie::imap
