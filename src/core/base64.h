// Strict base64 (RFC 4648 §4) for SASL exchanges; MIME's tolerant decoder lives in src/mime.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace magpie {

std::string base64_encode(std::string_view in);
// The 6-bit value of one base64 alphabet character, or -1.
int base64_value(unsigned char c);
// nullopt on any character outside the alphabet or bad padding.
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace magpie
