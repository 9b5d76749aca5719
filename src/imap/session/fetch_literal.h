// FETCH literals (RFC 9051 §4.3, RFC 3516 §4.3 literal8): a byte range sent as "{n}\r\n"
// or "~{n}\r\n" with <origin.length> partials applied, bare LF sent as CRLF.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace magpie::imap::detail {

using Partial = std::optional<std::pair<uint32_t, uint32_t>>;

// Dovecot's choices, followed so clients see what they know: NUL in BODY output becomes
// 0x80; BINARY uses literal8 for decoded data and for data holding a NUL anywhere.
enum class LiteralKind {
    Text,     // BODY[...], RFC822*: bare LF -> CRLF, NUL -> 0x80, "{n}"
    Binary,   // BINARY of identity-encoded data: bare LF -> CRLF, "~{n}" when it has a NUL
    Decoded,  // BINARY of base64/QP-decoded or `binary` data: bytes as they are, always "~{n}"
};

// Decimal digits of `n`.
void append_number(std::string& out, uint64_t n);

// Appends `bytes` with every bare LF turned into CRLF.
void append_crlf(std::string& out, std::string_view bytes);

// Size of `bytes` as sent (bare LF counted as CRLF unless kind is Decoded).
size_t sent_size(std::string_view bytes, LiteralKind kind);

// Appends the literal for `bytes` (sliced by `partial`); an empty result is "{0}\r\n", as
// Dovecot sends it.
void append_literal(std::string& out, std::string_view bytes, const Partial& partial,
                    LiteralKind kind);

}  // namespace magpie::imap::detail
