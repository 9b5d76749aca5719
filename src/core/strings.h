// Small string helpers shared by every module: case folding, trimming, splitting.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace magpie {

std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
std::string_view trim(std::string_view s);
// Splits on any of `seps`, trims each piece and drops empty ones.
std::vector<std::string> split_list(std::string_view s, std::string_view seps = ",");
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// Appends the UTF-8 encoding of a code point; surrogates and values past U+10FFFF become
// U+FFFD.
void append_utf8(char32_t cp, std::string& out);

// ASCII character classes, independent of the C locale.
constexpr bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool ascii_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool ascii_alnum(char c) { return ascii_alpha(c) || ascii_digit(c); }
constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

}  // namespace magpie
