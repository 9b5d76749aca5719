// Content type detection from an attachment's first bytes (magic numbers), so filters can
// judge what a file really is whatever its declared type or name says.
#pragma once
#include <string>
#include <string_view>

namespace magpie::mime {

// Bytes of decoded content `detect_type` looks at.
constexpr size_t kSniffBytes = 512;

// A MIME type such as "application/pdf"; "text/plain" for text, else
// "application/octet-stream".
std::string detect_type(std::string_view head);

}  // namespace magpie::mime
