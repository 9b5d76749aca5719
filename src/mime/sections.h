// IMAP section specs (RFC 9051 §6.4.5 "BODY[1.2.MIME]", "2.HEADER", "TEXT", ...) resolved
// to byte ranges of the stored message, so FETCH can send them without re-encoding.
#pragma once
#include <cstddef>
#include <optional>
#include <string_view>

#include "mime/parser.h"

namespace magpie::mime {

struct ByteRange {
    size_t start = 0;
    size_t end = 0;
    size_t size() const { return end - start; }
};

// Part numbers alone ("1.2"): the part, or nullptr when it does not exist. "" is the root.
const Part* find_part(const Message& msg, std::string_view part_numbers);

// Full section spec: "", "HEADER", "HEADER.FIELDS (..)", "HEADER.FIELDS.NOT (..)", "TEXT",
// "1", "1.2.MIME", "2.HEADER", "2.TEXT", ... (case-insensitive). HEADER.FIELDS gives the
// whole header range; the caller filters the fields. nullopt when the part does not exist
// or the spec is malformed.
std::optional<ByteRange> find_section(const Message& msg, std::string_view spec);

}  // namespace magpie::mime
