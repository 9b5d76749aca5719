// Punycode (RFC 3492) and the ASCII form of internationalized domain names (RFC 5890
// A-labels), for matching the Public Suffix List's Unicode rules and link hosts. Encoding
// only: names are compared in their A-label form, never decoded back.
#pragma once
#include <string>
#include <string_view>

namespace magpie::filter {

// Appends the Punycode encoding of `code_points` (without the "xn--" prefix) to `out`.
// False on arithmetic overflow (RFC 3492 §6.4), which only absurdly long input reaches.
bool punycode_encode(std::u32string_view code_points, std::string& out);

// A domain name with every non-ASCII label replaced by its A-label ("bücher.de" ->
// "xn--bcher-kva.de"); ASCII letters lower-cased, the IDNA full stops U+3002, U+FF0E and
// U+FF61 read as dots. Only ASCII case is folded (no full UTS #46 mapping). "" when the
// name is not valid UTF-8 or a label cannot be encoded.
std::string domain_to_ascii(std::string_view name);

}  // namespace magpie::filter
