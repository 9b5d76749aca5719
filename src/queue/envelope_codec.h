// The text form of a queue envelope: versioned "key value" lines, every value xtext-encoded
// (RFC 3461 §4) so that no byte in any field (CR, LF, NUL, space) can break a line apart.
// Pure functions, no I/O; queue_file.cpp stores the result behind the message bytes.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "queue/queue_file.h"

namespace magpie::queue {

// Current envelope format version. Readers accept any version up to this one and ignore
// keys they do not know, so that an upgrade can be backed out without losing mail.
inline constexpr int kEnvelopeVersion = 1;

// RFC 3461 §4 xtext: bytes outside "!".."~" and the bytes '+' and '=' become "+XX".
std::string xtext_encode(std::string_view in);
std::optional<std::string> xtext_decode(std::string_view in);

std::string format_envelope(const Envelope& env);
// nullopt on anything malformed (unknown version, bad escapes, bad numbers, missing "end").
std::optional<Envelope> parse_envelope(std::string_view text);

}  // namespace magpie::queue
