// Case folding of UTF-8 text for IMAP substring search and sort comparisons: ASCII plus a
// simple (one code point to one code point) Unicode fold of the Latin, Greek, Cyrillic and
// Armenian blocks, in the spirit of i;unicode-casemap (RFC 5051) without normalisation.
#pragma once
#include <string>
#include <string_view>

namespace magpie::imap {

// Appends `in` folded. Code points without a folding, and bytes that are not valid
// UTF-8, are copied unchanged.
void fold_append(std::string_view in, std::string& out);

inline std::string fold(std::string_view in) {
    std::string out;
    fold_append(in, out);
    return out;
}

}  // namespace magpie::imap
