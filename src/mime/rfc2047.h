// RFC 2047 encoded words ("=?charset?Q?...?=") in unstructured headers and phrases.
#pragma once
#include <string>
#include <string_view>

namespace magpie::mime {

// Decodes every encoded word in `text` to UTF-8 and converts the rest from raw 8-bit
// (RFC 6532 UTF-8, else Latin-1). Whitespace between adjacent encoded words is dropped
// (RFC 2047 §6.2). Folding line ends are removed first.
std::string decode_rfc2047(std::string_view text);

}  // namespace magpie::mime
