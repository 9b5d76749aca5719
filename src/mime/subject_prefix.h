// Subject prefix for spam ("***SPAM*** Hello"): where and what to insert into a message
// header so that its Subject starts with a prefix. Pure: the caller splices the insertion
// into the bytes it writes out, so the stored message never changes. The original value
// stays byte for byte after the prefix, encoded words (RFC 2047) included; a message
// without Subject gets one; a subject that already starts with the prefix gets nothing.
//
// Limits: a non-ASCII prefix becomes RFC 2047 encoded words of at most 75 characters
// (§2); a line that would grow past 998 bytes (RFC 5322 §2.1.1) is folded after the prefix.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace magpie::mime {

struct HeaderInsertion {
    size_t at = 0;     // offset in the message where `text` goes
    std::string text;  // inserted bytes (CRLF line ends)
};

// `head` is the start of a message with CRLF line ends: its header section, or all of it.
// `whole` says `head` is the entire message; when it is not and the header does not end
// within `head`, a missing Subject may lie beyond it and nothing is inserted.
// nullopt: empty prefix, already prefixed, or unknown as just said.
std::optional<HeaderInsertion> subject_prefix_insertion(std::string_view head,
                                                        std::string_view prefix, bool whole);

// The prefix as written into a header: as given when printable ASCII, else UTF-8 "B"
// encoded words (RFC 2047 §4.1) separated by spaces.
std::string encode_header_words(std::string_view text);

}  // namespace magpie::mime
