// Content type of a file by its bytes, through libmagic (MAGIC_MIME_TYPE). libmagic handles
// are not thread-safe, so each thread gets its own, opened on first use.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace magpie::filter {

// Bytes of a file handed to libmagic. Its text tests cost time in proportion to what they
// are given (about 0.7 ms of CPU per KiB of text) and what we look for in text (scripts) is
// at its start, so text gets only kMagicTextBytes. Binary formats are known from their
// head, except Compound Files (MSI, old Office), whose directory may sit anywhere.
constexpr size_t kMagicTextBytes = 512;
constexpr size_t kMagicBytes = 64 << 10;
constexpr size_t kMagicCdfBytes = 4 << 20;

// How many bytes of a file libmagic is given: kMagicTextBytes for text (no NUL in the
// first kMagicTextBytes), kMagicCdfBytes for a Compound File, else kMagicBytes. Needs only
// the first kMagicTextBytes of the file.
size_t magic_limit(std::string_view bytes);

// A lower-case MIME type such as "application/zip"; "application/octet-stream" when
// libmagic has no answer or its database is missing.
std::string magic_type(std::string_view bytes);

}  // namespace magpie::filter
