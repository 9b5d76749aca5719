// Charset conversion to UTF-8 through iconv, with the aliases and fallbacks real mail needs.
#pragma once
#include <string>
#include <string_view>

namespace magpie::mime {

// Appends `in` converted from `charset` to UTF-8. Unknown charsets and invalid sequences
// never fail: bytes that cannot be converted become U+FFFD. Returns false when the charset
// was unknown (the text was then treated as UTF-8 with Latin-1 fallback).
bool to_utf8(std::string_view charset, std::string_view in, std::string& out);

// Appends `in` with invalid UTF-8 sequences replaced by U+FFFD.
void sanitize_utf8(std::string_view in, std::string& out);
bool is_valid_utf8(std::string_view in);

}  // namespace magpie::mime
