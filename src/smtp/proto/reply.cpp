// SMTP reply formatting, RFC 5321 §4.2 (multi-line replies use "code-" on all but the last).
#include "smtp/proto/reply.h"

#include <fmt/format.h>

namespace magpie::smtp {

std::string format_reply(int code, std::string_view enhanced, const std::vector<std::string>& lines) {
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
        char sep = i + 1 < lines.size() ? '-' : ' ';
        if (enhanced.empty())
            out += fmt::format("{}{}{}\r\n", code, sep, lines[i]);
        else
            out += fmt::format("{}{}{} {}\r\n", code, sep, enhanced, lines[i]);
    }
    if (lines.empty()) out = fmt::format("{} {}\r\n", code, enhanced);
    return out;
}

std::string format_reply(int code, std::string_view enhanced, std::string_view text) {
    return format_reply(code, enhanced, std::vector<std::string>{std::string(text)});
}

}  // namespace magpie::smtp
