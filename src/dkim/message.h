// Splits a message into its header fields and body for DKIM, accepting CRLF or bare LF line
// ends. Header fields keep their raw text, normalised to CRLF line ends, so that both
// canonicalizations can be applied to them. Bounded by kMaxHeaderFields.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::dkim {

constexpr size_t kMaxHeaderFields = 1000;  // fields past this are ignored

struct HeaderField {
    std::string name;  // as written, without the colon
    std::string raw;   // the whole field, folded lines included, ending in CRLF
};

struct SplitMessage {
    std::vector<HeaderField> headers;
    std::string_view body;  // after the empty line (may use bare LF); empty when none
};

// Lines in the header without a colon (and not continuations) are skipped.
SplitMessage split_message(std::string_view message);

// Converts every line end (CRLF, bare LF) to CRLF; a lone CR is kept as it is.
std::string to_crlf(std::string_view text);

// The value of a field: the text after the colon, raw.
std::string_view field_value(const HeaderField& f);

}  // namespace magpie::dkim
