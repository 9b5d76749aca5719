// Subject prefix insertion (see subject_prefix.h). The prefix goes in front of the first
// non-whitespace byte of the first Subject field's value, so the rest of the field —
// folding, encoded words, 8-bit text — is kept exactly as received.
#include "mime/subject_prefix.h"

#include <algorithm>

#include "core/base64.h"
#include "core/strings.h"
#include "mime/header.h"
#include "mime/rfc2047.h"

namespace magpie::mime {
namespace {

constexpr size_t kMaxLine = 998;      // RFC 5322 §2.1.1, without the CRLF
constexpr size_t kMaxWordBytes = 45;  // 60 base64 characters + 12 = 72 <= 75 (RFC 2047 §2)
constexpr size_t kMaxFields = 10000;  // header fields looked through for the Subject

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

bool printable_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f;
    });
}

// Bytes of the UTF-8 sequence that starts with `b` (1 for anything else).
size_t utf8_len(char b) {
    auto u = static_cast<unsigned char>(b);
    return u >= 0xF0 ? 4 : u >= 0xE0 ? 3 : u >= 0xC0 ? 2 : 1;
}

// Where a new Subject field goes when there is none: before the empty line that ends the
// header, else after the last complete line of a header-only message, else at the top.
size_t new_field_offset(std::string_view head, const HeaderBlock& block) {
    if (block.has_blank_line) {
        size_t at = block.end - 1;  // the blank line's LF
        if (at > 0 && head[at - 1] == '\r') --at;
        return at;
    }
    return !head.empty() && head.back() == '\n' ? head.size() : 0;
}

}  // namespace

std::string encode_header_words(std::string_view text) {
    if (printable_ascii(text)) return std::string(text);
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        // Whole characters only: RFC 2047 §5 forbids splitting one across encoded words.
        size_t n = 0;
        while (i + n < text.size()) {
            size_t len = utf8_len(text[i + n]);
            if (n > 0 && n + len > kMaxWordBytes) break;
            n += len;
        }
        n = std::min(n, text.size() - i);
        if (!out.empty()) out += ' ';
        out += "=?UTF-8?B?" + base64_encode(text.substr(i, n)) + "?=";
        i += n;
    }
    return out;
}

std::optional<HeaderInsertion> subject_prefix_insertion(std::string_view head,
                                                        std::string_view prefix, bool whole) {
    if (prefix.empty()) return std::nullopt;
    auto block = parse_header(head, 0, kMaxFields);
    const HeaderField* subject = find_field(block.fields, "subject");
    if (!subject) {
        if (!block.has_blank_line && !whole) return std::nullopt;
        return HeaderInsertion{new_field_offset(head, block),
                               "Subject: " + encode_header_words(prefix) + "\r\n"};
    }
    if (trim(decode_rfc2047(subject->raw_value)).starts_with(prefix)) return std::nullopt;

    size_t vstart = static_cast<size_t>(subject->raw_value.data() - head.data());
    size_t vend = vstart + subject->raw_value.size();
    size_t p = vstart;
    // Folding whitespace (RFC 5322 §3.2.2); inside a field a line end is always a fold.
    while (p < vend && (is_wsp(head[p]) || head[p] == '\r' || head[p] == '\n')) ++p;

    if (p == vend) {  // "Subject:" with an empty value
        bool space_before = p > vstart && is_wsp(head[p - 1]);
        return HeaderInsertion{p, (space_before ? "" : " ") + encode_header_words(prefix)};
    }
    // RFC 2047 §6.2 drops the space between two encoded words: when an encoded prefix meets
    // an encoded subject, the separating space goes inside the prefix's words.
    bool encoded_next = head.substr(p, 2) == "=?";
    std::string word = printable_ascii(prefix) || !encoded_next
                           ? encode_header_words(prefix)
                           : encode_header_words(std::string(prefix) + " ");
    std::string text = (p == vstart ? " " : "") + word;
    size_t line_start = head.rfind('\n', p);
    line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
    size_t line_end = head.find_first_of("\r\n", p);
    if (line_end == std::string_view::npos) line_end = head.size();
    // RFC 5322 §2.2.3: fold after the prefix rather than exceed the line length limit.
    text += line_end - line_start + text.size() + 1 > kMaxLine ? "\r\n " : " ";
    return HeaderInsertion{p, std::move(text)};
}

}  // namespace magpie::mime
