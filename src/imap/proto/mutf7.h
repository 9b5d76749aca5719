// Mailbox names: modified UTF-7 (RFC 3501 §5.1.3) <-> UTF-8, and name validation.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace magpie::imap {

// Decodes a modified UTF-7 name to UTF-8. nullopt when the name is not canonical
// modified UTF-7: 8-bit or control bytes, an unterminated or empty "&...-" shift other
// than "&-", base64 outside the modified alphabet, leftover non-zero bits, printable
// ASCII encoded in base64, encoded controls (NUL, C0, DEL) or broken UTF-16 surrogates.
std::optional<std::string> decode_mutf7(std::string_view in);

// Encodes UTF-8 (assumed valid) as modified UTF-7.
std::string encode_mutf7(std::string_view utf8);

// True when `s` is well-formed UTF-8 without overlongs, surrogates or NUL/C0 controls.
bool valid_utf8_name(std::string_view s);

// RFC 9051 §5.1: "INBOX" in any case names the inbox; returns "INBOX" then, else `name`.
std::string canonical_inbox(std::string_view name);

}  // namespace magpie::imap
