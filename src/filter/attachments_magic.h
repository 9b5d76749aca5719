// Content type of a file by its bytes, through libmagic (MAGIC_MIME_TYPE). libmagic handles
// are not thread-safe, so each thread gets its own, opened on first use.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace magpie::filter {

// Bytes of a file handed to libmagic; CDF (MSI) and ISO 9660 need more than the head.
constexpr size_t kMagicBytes = 4 << 20;

// A lower-case MIME type such as "application/zip"; "application/octet-stream" when
// libmagic has no answer or its database is missing.
std::string magic_type(std::string_view bytes);

}  // namespace magpie::filter
