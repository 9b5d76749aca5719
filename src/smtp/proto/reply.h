// SMTP replies: a three-digit code, an RFC 3463 enhanced status code and text, formatted
// as one or more CRLF lines (RFC 5321 §4.2).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace magpie::smtp {

// "250-first\r\n250 last\r\n" from lines; `code` is the 3-digit code, `enhanced` may be empty.
std::string format_reply(int code, std::string_view enhanced, const std::vector<std::string>& lines);
std::string format_reply(int code, std::string_view enhanced, std::string_view text);

}  // namespace magpie::smtp
