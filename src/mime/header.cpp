// RFC 5322 §2.2 header field splitting and §2.2.3 unfolding, tolerant of bare LF and
// obsolete syntax (whitespace before the colon, RFC 5322 §4.5).
#include "mime/header.h"

#include <cstring>

#include "core/strings.h"

namespace magpie::mime {

namespace {

// Offset after the line end of the line starting at pos (or msg.size()).
size_t next_line(std::string_view msg, size_t pos) {
    const void* nl = std::memchr(msg.data() + pos, '\n', msg.size() - pos);
    return nl ? size_t(static_cast<const char*>(nl) - msg.data()) + 1 : msg.size();
}

bool is_blank_line(std::string_view msg, size_t pos) {
    if (pos >= msg.size()) return false;
    if (msg[pos] == '\n') return true;
    return msg[pos] == '\r' && pos + 1 < msg.size() && msg[pos + 1] == '\n';
}

// Strips the line end (LF or CRLF) from the end of [start, end).
size_t strip_eol(std::string_view msg, size_t start, size_t end) {
    if (end > start && msg[end - 1] == '\n') --end;
    if (end > start && msg[end - 1] == '\r') --end;
    return end;
}

}  // namespace

HeaderBlock parse_header(std::string_view msg, size_t start, size_t max_fields,
                         const LineStop& stop) {
    HeaderBlock hb;
    hb.start = start;
    size_t pos = start;
    HeaderField* cur = nullptr;
    while (pos < msg.size()) {
        if (is_blank_line(msg, pos)) {
            hb.has_blank_line = true;
            pos = next_line(msg, pos);
            break;
        }
        if (stop && stop(pos)) break;
        size_t eol = next_line(msg, pos);
        char c = msg[pos];
        if ((c == ' ' || c == '\t') && cur) {
            cur->end = eol;  // RFC 5322 §2.2.3 continuation line
        } else {
            cur = nullptr;
            size_t line_end = strip_eol(msg, pos, eol);
            std::string_view line = msg.substr(pos, line_end - pos);
            size_t colon = line.find(':');
            if (colon != std::string_view::npos && hb.fields.size() < max_fields) {
                std::string_view name = line.substr(0, colon);
                while (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
                    name.remove_suffix(1);
                hb.fields.push_back({name, {}, pos, eol});
                cur = &hb.fields.back();
            }
        }
        pos = eol;
    }
    for (auto& f : hb.fields) {
        size_t vstart = size_t(f.name.data() - msg.data());
        vstart = msg.find(':', vstart + f.name.size()) + 1;
        f.raw_value = msg.substr(vstart, strip_eol(msg, vstart, f.end) - vstart);
    }
    hb.end = pos;
    return hb;
}

std::string unfold(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (char c : raw) {
        if (c == '\0')
            out += "\xEF\xBF\xBD";  // a NUL cannot be sent in IMAP; U+FFFD as Dovecot does
        else if (c != '\r' && c != '\n')
            out.push_back(c);
    }
    return out;
}

std::string unfold_trim(std::string_view raw) {
    return std::string(trim(unfold(raw)));
}

const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name) {
    for (const auto& f : fields)
        if (iequals(f.name, name)) return &f;
    return nullptr;
}

}  // namespace magpie::mime
