// Literal output for FETCH: slicing, CRLF conversion and the NUL rules of fetch_literal.h.
#include "imap/session/fetch_literal.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "mime/parser.h"

namespace magpie::imap::detail {

namespace {

// Appends the converted (bare LF -> CRLF) bytes [from, end) of `bytes`.
void append_converted(std::string& out, std::string_view bytes, size_t from, size_t end) {
    const char* data = bytes.data();
    size_t i = 0, pos = 0;  // raw index, converted position
    auto put = [&](const char* p, size_t n) {
        size_t a = std::max(pos, from), b = std::min(pos + n, end);
        if (a < b) out.append(p + (a - pos), b - a);
        pos += n;
    };
    while (i < bytes.size() && pos < end) {
        const void* nl = std::memchr(data + i, '\n', bytes.size() - i);
        size_t seg_end = nl ? size_t(static_cast<const char*>(nl) - data) : bytes.size();
        put(data + i, seg_end - i);
        i = seg_end;
        if (!nl) break;
        bool bare = seg_end == 0 || data[seg_end - 1] != '\r';
        put(bare ? "\r\n" : "\n", bare ? 2 : 1);
        ++i;
    }
}

}  // namespace

void append_number(std::string& out, uint64_t n) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, r.ptr);
}

void append_crlf(std::string& out, std::string_view bytes) {
    append_converted(out, bytes, 0, SIZE_MAX);
}

size_t sent_size(std::string_view bytes, LiteralKind kind) {
    if (kind == LiteralKind::Decoded) return bytes.size();
    return mime::count_lines(bytes).crlf_size(bytes.size());
}

void append_literal(std::string& out, std::string_view bytes, const Partial& partial,
                    LiteralKind kind) {
    size_t bare = kind == LiteralKind::Decoded ? 0 : mime::count_lines(bytes).bare_lf;
    size_t total = bytes.size() + bare;
    size_t from = 0, len = total;
    if (partial) {
        from = std::min<size_t>(partial->first, total);
        len = std::min<size_t>(partial->second, total - from);
    }
    bool literal8 = kind == LiteralKind::Decoded ||
                    (kind == LiteralKind::Binary && !bytes.empty() && std::memchr(bytes.data(), 0, bytes.size()));
    out += literal8 ? "~{" : "{";
    append_number(out, len);
    out += "}\r\n";
    if (len == 0) return;
    size_t start = out.size();
    out.reserve(start + len);
    if (bare == 0)
        out.append(bytes.substr(from, len));
    else
        append_converted(out, bytes, from, from + len);
    if (kind != LiteralKind::Text) return;
    char* sent = out.data() + start;
    if (std::memchr(sent, 0, len)) std::replace(sent, sent + len, '\0', '\x80');
}

}  // namespace magpie::imap::detail
