// Request-target parsing: path segments and query parameters, percent-decoded.
#include "api/target.h"

#include "mime/charset.h"

namespace magpie::api {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_space) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (c == '\0') return std::nullopt;
        out += c;
    }
    // RFC 3986 §2.5: percent-encoded octets of text are UTF-8. Anything else is refused
    // here, so no name the API echoes back (errors, audit) can make its JSON invalid.
    if (!mime::is_valid_utf8(out)) return std::nullopt;
    return out;
}

std::optional<Target> parse_target(std::string_view target) {
    // RFC 9112 §3.2.1: origin-form is an absolute path with an optional query.
    if (target.empty() || target[0] != '/') return std::nullopt;
    Target t;
    auto q = target.find('?');
    std::string_view path = target.substr(0, q);
    std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
    if (auto h = query.find('#'); h != std::string_view::npos) query = query.substr(0, h);
    path.remove_prefix(1);
    if (!path.empty() && path.back() == '/') path.remove_suffix(1);  // "/users/" = "/users"
    while (!path.empty()) {
        auto slash = path.find('/');
        auto raw = path.substr(0, slash);
        auto seg = percent_decode(raw, false);
        if (!seg || seg->empty() || *seg == "." || *seg == "..") return std::nullopt;
        t.segments.push_back(std::move(*seg));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        if (!pair.empty()) {
            auto eq = pair.find('=');
            auto k = percent_decode(pair.substr(0, eq), true);
            auto v = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
            if (!k || !v) return std::nullopt;
            t.query[*k] = *v;
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return t;
}

}  // namespace magpie::api
