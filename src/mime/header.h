// RFC 5322 header blocks: splitting a header into fields and unfolding their values.
// Fields are views into the message; nothing is copied until a value is unfolded.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::mime {

struct HeaderField {
    std::string_view name;       // as written, trailing whitespace removed
    std::string_view raw_value;  // after the colon up to (not including) the final line end
    size_t start = 0;            // offset of the field's first byte in the message
    size_t end = 0;              // offset after the field's final line end
};

struct HeaderBlock {
    std::vector<HeaderField> fields;
    size_t start = 0;
    size_t end = 0;  // offset after the empty line (= body start); size when none
    bool has_blank_line = false;
};

// Returns true when the line starting at `pos` ends the header early (a MIME boundary).
using LineStop = std::function<bool(size_t pos)>;

// Splits the header that starts at `start`. A line without a colon and without leading
// whitespace is kept as part of the header but yields no field (Dovecot does the same).
HeaderBlock parse_header(std::string_view msg, size_t start, size_t max_fields,
                         const LineStop& stop = {});

// RFC 5322 §2.2.3: removes CRLF/LF that precede whitespace; lone CR/LF are dropped too.
// NUL bytes become U+FFFD.
std::string unfold(std::string_view raw);
// unfold() plus leading/trailing whitespace trimmed.
std::string unfold_trim(std::string_view raw);

// First field with this name (case-insensitive), or nullptr.
const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name);

}  // namespace magpie::mime
