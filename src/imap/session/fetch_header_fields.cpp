// Header field selection for BODY[HEADER.FIELDS (...)] and .NOT.
#include "imap/session/fetch_header_fields.h"

#include "core/strings.h"

namespace magpie::imap::detail {

namespace {

bool named(std::string_view name, const std::vector<std::string>& names) {
    for (const auto& n : names)
        if (iequals(name, n)) return true;
    return false;
}

// Length of `block` without its final empty line (the end of the header).
size_t without_blank_line(std::string_view block) {
    if (block.ends_with("\r\n\r\n")) return block.size() - 2;
    if (block.ends_with("\n\n") || block.ends_with("\n\r\n"))
        return block.size() - (block.ends_with("\r\n") ? 2 : 1);
    if (block == "\r\n" || block == "\n") return 0;
    return block.size();
}

void line_end_if_missing(std::string& out, size_t from) {
    if (out.size() > from && out.back() != '\n') out += "\r\n";
}

}  // namespace

void filter_header(std::string& out, std::string_view msg, size_t header_start, size_t header_end,
                   const std::vector<mime::HeaderField>& fields,
                   const std::vector<std::string>& names, bool exclude) {
    size_t from = out.size();
    if (!exclude) {
        for (const auto& f : fields) {
            if (!named(f.name, names)) continue;
            out.append(msg.substr(f.start, f.end - f.start));
            line_end_if_missing(out, from);
        }
    } else {
        size_t pos = header_start;
        for (const auto& f : fields) {
            if (!named(f.name, names)) continue;
            out.append(msg.substr(pos, f.start - pos));
            pos = f.end;
        }
        std::string_view rest = msg.substr(pos, header_end - pos);
        size_t kept = without_blank_line(rest);
        out.append(rest.substr(0, kept));
        line_end_if_missing(out, from);
        if (kept == rest.size()) return;
    }
    out += "\r\n";
}

}  // namespace magpie::imap::detail
