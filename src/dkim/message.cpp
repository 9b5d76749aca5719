// Splitting a message into header fields and body for DKIM.
#include "dkim/message.h"

namespace magpie::dkim {

std::string to_crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32);
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
        out += c;
    }
    return out;
}

SplitMessage split_message(std::string_view message) {
    SplitMessage out;
    size_t pos = 0;
    bool skipping = false;  // past kMaxHeaderFields: drop fields and their continuations
    while (pos < message.size()) {
        size_t eol = message.find('\n', pos);
        size_t next = eol == std::string_view::npos ? message.size() : eol + 1;
        std::string_view line = message.substr(pos, next - pos);
        std::string_view content = line;
        if (!content.empty() && content.back() == '\n') content.remove_suffix(1);
        if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
        if (content.empty()) {  // the empty line that ends the header
            out.body = message.substr(next);
            return out;
        }
        if (content[0] == ' ' || content[0] == '\t') {
            // RFC 5322 §2.2.3: a continuation of the previous field.
            if (!out.headers.empty() && !skipping) out.headers.back().raw += to_crlf(line);
        } else if (out.headers.size() >= kMaxHeaderFields) {
            skipping = true;
        } else {
            size_t colon = content.find(':');
            if (colon != std::string_view::npos) {
                std::string_view name = content.substr(0, colon);
                while (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
                    name.remove_suffix(1);
                out.headers.push_back({std::string(name), to_crlf(line)});
            } else {
                out.headers.push_back({"", ""});  // swallows its continuations, never matches
            }
        }
        pos = next;
    }
    // A header with no body at all.
    for (auto& h : out.headers)
        if (!h.raw.empty() && h.raw.back() != '\n') h.raw += "\r\n";
    return out;
}

std::string_view field_value(const HeaderField& f) {
    std::string_view raw = f.raw;
    size_t colon = raw.find(':');
    return colon == std::string_view::npos ? std::string_view() : raw.substr(colon + 1);
}

}  // namespace magpie::dkim
