// SMTP command-line parsing: RFC 5321 §4.1.1 verbs, §4.1.2 paths, ESMTP parameters.
#include "smtp/proto/command.h"

#include "core/strings.h"

namespace magpie::smtp {

Command parse_command(std::string_view line) {
    static const std::pair<std::string_view, Verb> verbs[] = {
        {"HELO", Verb::Helo}, {"EHLO", Verb::Ehlo}, {"MAIL", Verb::Mail}, {"RCPT", Verb::Rcpt},
        {"DATA", Verb::Data}, {"BDAT", Verb::Bdat}, {"RSET", Verb::Rset}, {"NOOP", Verb::Noop},
        {"QUIT", Verb::Quit}, {"VRFY", Verb::Vrfy}, {"EXPN", Verb::Expn}, {"HELP", Verb::Help},
        {"STARTTLS", Verb::StartTls}, {"AUTH", Verb::Auth}};
    Command c;
    auto sp = line.find(' ');
    std::string_view word = line.substr(0, sp);
    for (auto& [name, verb] : verbs)
        if (iequals(word, name)) c.verb = verb;
    if (sp != std::string_view::npos) {
        c.args = line.substr(sp + 1);
        while (!c.args.empty() && c.args.front() == ' ') c.args.remove_prefix(1);
        while (!c.args.empty() && c.args.back() == ' ') c.args.remove_suffix(1);
    }
    return c;
}

static bool is_atext(unsigned char c, bool utf8) {
    if (c >= 0x80) return utf8;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    static const std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
    return specials.find(static_cast<char>(c)) != std::string_view::npos;
}

static bool valid_domain(std::string_view d, bool utf8) {
    if (d.empty() || d.size() > 255) return false;
    if (d.front() == '[') return d.back() == ']' && d.size() > 2;  // address literal, §4.1.3
    size_t label = 0;
    for (size_t i = 0; i < d.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(d[i]);
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  (utf8 && c >= 0x80);
        if (!ok || ++label > 63) return false;
    }
    return label > 0;
}

bool valid_mailbox(std::string_view a, bool utf8) {
    if (a.size() > 254 + 2) return false;
    auto at = a.rfind('@');
    if (at == std::string_view::npos || at == 0) return false;
    std::string_view local = a.substr(0, at), domain = a.substr(at + 1);
    if (!valid_domain(domain, utf8)) return false;
    if (local.size() > 64 && !utf8) return false;
    if (local.front() == '"') {  // quoted-string
        if (local.size() < 2 || local.back() != '"') return false;
        for (size_t i = 1; i + 1 < local.size(); ++i) {
            unsigned char c = static_cast<unsigned char>(local[i]);
            if (c == '\\') {
                if (++i + 1 >= local.size()) return false;
                continue;
            }
            if (c < 32 || c == 127 || c == '"') return false;
            if (c >= 0x80 && !utf8) return false;
        }
        return true;
    }
    if (local.front() == '.' || local.back() == '.') return false;
    for (size_t i = 0; i < local.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(local[i]);
        if (c == '.') {
            if (local[i + 1] == '.') return false;
            continue;
        }
        if (!is_atext(c, utf8)) return false;
    }
    return true;
}

std::optional<std::string> decode_xtext(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '+') {
            if (i + 2 >= s.size()) return std::nullopt;
            auto hex = [](char h) -> int {
                if (h >= '0' && h <= '9') return h - '0';
                if (h >= 'A' && h <= 'F') return h - 'A' + 10;
                return -1;
            };
            int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c < 33 || c > 126 || c == '=') {
            return std::nullopt;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

PathError parse_path_arg(std::string_view args, std::string_view prefix, bool utf8, PathArg& out) {
    out = {};
    if (!istarts_with(args, prefix)) return PathError::Syntax;
    args.remove_prefix(prefix.size());
    if (args.empty() || args.front() != ':') return PathError::Syntax;
    args.remove_prefix(1);
    while (!args.empty() && args.front() == ' ') args.remove_prefix(1);
    std::string_view path, rest;
    if (!args.empty() && args.front() == '<') {
        // Quoted local parts may hold '>', so scan respecting quotes.
        bool quoted = false;
        size_t end = std::string_view::npos;
        for (size_t i = 1; i < args.size(); ++i) {
            if (args[i] == '\\' && quoted) {
                ++i;
                continue;
            }
            if (args[i] == '"') quoted = !quoted;
            if (args[i] == '>' && !quoted) {
                end = i;
                break;
            }
        }
        if (end == std::string_view::npos) return PathError::Syntax;
        path = args.substr(1, end - 1);
        rest = args.substr(end + 1);
        if (!rest.empty() && rest.front() != ' ') return PathError::Syntax;
    } else {
        auto sp = args.find(' ');
        path = args.substr(0, sp);
        rest = sp == std::string_view::npos ? std::string_view() : args.substr(sp);
        if (path.empty()) return PathError::Syntax;
    }
    // Drop an RFC 5321 §4.1.2 source route ("@a,@b:user@d"), which must be accepted and ignored.
    if (!path.empty() && path.front() == '@') {
        auto colon = path.find(':');
        if (colon == std::string_view::npos) return PathError::Syntax;
        path.remove_prefix(colon + 1);
    }
    out.address = std::string(path);
    if (!out.address.empty() && !valid_mailbox(out.address, utf8) && !iequals(out.address, "postmaster"))
        return PathError::BadAddress;
    for (auto& item : split_list(rest, " ")) {
        auto eq = item.find('=');
        std::string key = item.substr(0, eq), value = eq == std::string::npos ? "" : item.substr(eq + 1);
        if (key.empty()) return PathError::BadParam;
        for (auto& ch : key) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
        out.params.emplace_back(key, value);
    }
    return PathError::None;
}

}  // namespace magpie::smtp
