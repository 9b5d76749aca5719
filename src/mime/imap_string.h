// IMAP string atoms for FETCH responses (RFC 9051 §4.3): quoted strings, literals and NIL.
#pragma once
#include <string>
#include <string_view>

namespace magpie::mime {

// A quoted string when `s` allows it (RFC 9051 §4.3: no CR, LF, NUL or 8-bit), else a
// literal "{n}\r\n" followed by the bytes.
void append_imap_string(std::string& out, std::string_view s);
// NIL when `present` is false.
void append_imap_nstring(std::string& out, std::string_view s, bool present);

}  // namespace magpie::mime
