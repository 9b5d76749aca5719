// Content-Transfer-Encoding decoders (RFC 2045 §6.7 quoted-printable, §6.8 base64),
// tolerant of the damage real mail carries. Output is appended to `out`.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace magpie::mime {

enum class Encoding { k7bit, k8bit, kBinary, kQuotedPrintable, kBase64, kUnknown };

Encoding parse_encoding(std::string_view value);

// Skips characters outside the base64 alphabet; stops at the first '=' pad group.
void decode_base64(std::string_view in, std::string& out);
// The same, stopping once `max_out` bytes were appended (up to 2 more, to end on a whole
// 4-character group). Returns the input characters consumed: decoding the rest of `in` from
// there appends exactly what one call over all of `in` would have.
size_t decode_base64(std::string_view in, std::string& out, size_t max_out);
// `header_q`: RFC 2047 §4.2 "Q" encoding, where '_' means space.
void decode_qp(std::string_view in, std::string& out, bool header_q = false);
// Decodes per `enc`; identity for 7bit/8bit/binary/unknown.
void decode_transfer(Encoding enc, std::string_view in, std::string& out);

}  // namespace magpie::mime
