// POP3 command line parsing.
#include "pop3/proto/command.h"

#include "core/strings.h"

namespace magpie::pop3 {
namespace {

struct Keyword {
    const char* name;
    Verb verb;
};

constexpr Keyword kKeywords[] = {
    {"USER", Verb::User}, {"PASS", Verb::Pass}, {"APOP", Verb::Apop}, {"AUTH", Verb::Auth},
    {"STLS", Verb::Stls}, {"CAPA", Verb::Capa}, {"STAT", Verb::Stat}, {"LIST", Verb::List},
    {"RETR", Verb::Retr}, {"DELE", Verb::Dele}, {"NOOP", Verb::Noop}, {"RSET", Verb::Rset},
    {"QUIT", Verb::Quit}, {"TOP", Verb::Top},   {"UIDL", Verb::Uidl},
};

}  // namespace

Command parse_command(std::string_view line) {
    Command c;
    auto sp = line.find(' ');
    c.keyword = line.substr(0, sp);
    if (sp != std::string_view::npos) c.rest = line.substr(sp + 1);
    for (const auto& k : kKeywords) {
        if (iequals(c.keyword, k.name)) c.verb = k.verb;
    }
    std::string_view r = c.rest;
    while (!r.empty()) {
        auto n = r.find(' ');
        if (n != 0) c.args.push_back(r.substr(0, n));
        if (n == std::string_view::npos) break;
        r.remove_prefix(n + 1);
    }
    return c;
}

std::optional<uint64_t> parse_number(std::string_view s, size_t max_digits) {
    if (s.empty() || s.size() > max_digits) return std::nullopt;
    uint64_t v = 0;
    for (char ch : s) {
        if (ch < '0' || ch > '9') return std::nullopt;
        v = v * 10 + static_cast<uint64_t>(ch - '0');
    }
    return v;
}

}  // namespace magpie::pop3
