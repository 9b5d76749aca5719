// RFC 9051 §4.3 string formatting.
#include "mime/imap_string.h"

namespace magpie::mime {

namespace {

// Longest value sent as a quoted string; longer ones go as literals.
constexpr size_t kMaxQuoted = 1024;

}  // namespace

void append_imap_string(std::string& out, std::string_view s) {
    bool quotable = s.size() <= kMaxQuoted;
    for (unsigned char c : s) {
        if (c == 0 || c == '\r' || c == '\n' || c >= 0x80) {
            quotable = false;
            break;
        }
    }
    if (quotable) {
        out.push_back('"');
        for (char c : s) {
            if (c == '"' || c == '\\') out.push_back('\\');
            out.push_back(c);
        }
        out.push_back('"');
        return;
    }
    out += "{" + std::to_string(s.size()) + "}\r\n";
    out.append(s);
}

void append_imap_nstring(std::string& out, std::string_view s, bool present) {
    if (!present) {
        out += "NIL";
        return;
    }
    append_imap_string(out, s);
}

}  // namespace magpie::mime
