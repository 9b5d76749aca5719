// SORT and THREAD (RFC 5256; RFC 5957 DISPLAYFROM/DISPLAYTO): ordering and threading of
// the messages a search selected, with RFC 5256 base subjects.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "imap/proto/command.h"
#include "imap/session/message.h"

namespace magpie::imap {

// RFC 5256 §2.1 base subject of a decoded subject.
std::string base_subject(std::string_view subject);

// Sorts `seqs` (message numbers; msgs[seq-1] is the message) by the criteria; ties end in
// sequence order (RFC 5256 §3). Unknown criteria were refused by the parser.
std::vector<uint32_t> sort_messages(const std::vector<SortCriterion>& criteria,
                                    const std::vector<uint32_t>& seqs,
                                    std::vector<MessageData>& msgs);

// "(2)(3 6 (4 23)(44 7 96))" for the messages `seqs` by ORDEREDSUBJECT or REFERENCES
// (upper-case `algorithm`). With `uid`, UIDs are listed instead of sequence numbers.
std::string thread_messages(const std::string& algorithm, const std::vector<uint32_t>& seqs,
                            std::vector<MessageData>& msgs, bool uid);

// Algorithms thread_messages() knows, for the CAPABILITY list.
const std::vector<std::string>& thread_algorithms();

}  // namespace magpie::imap
