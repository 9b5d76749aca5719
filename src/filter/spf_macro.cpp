// SPF macro strings (RFC 7208 §7): parsing macro-string / domain-spec / explain-string and
// expanding macros with their transformers, delimiters and URL escaping.
#include "filter/spf_macro.h"

#include <algorithm>

#include "core/strings.h"

namespace magpie::filter::spf {

namespace {

// RFC 7208 §7.1: macro-literal = %x21-24 / %x26-7E (visible characters except "%").
bool is_macro_literal(char c) {
    return c >= 0x21 && c <= 0x7e && c != '%';
}

// RFC 7208 §7.1: delimiter = "." / "-" / "+" / "," / "/" / "_" / "="
bool is_delimiter(char c) {
    return std::string_view(".-+,/_=").find(c) != std::string_view::npos;
}

// RFC 7208 §7.1: toplabel = ( *alphanum ALPHA *alphanum ) /
//                           ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool is_toplabel(std::string_view s) {
    if (s.empty() || !ascii_alnum(s.front()) || !ascii_alnum(s.back())) return false;
    bool alpha = false, dash = false;
    for (char c : s) {
        if (c == '-')
            dash = true;
        else if (ascii_alpha(c))
            alpha = true;
        else if (!ascii_digit(c))
            return false;
    }
    return alpha || dash;
}

struct ParseInfo {
    bool ends_in_expand = false;  // the last element was a macro-expand
    std::string tail;             // the literal characters after the last macro-expand
};

void add_literal(MacroString& m, std::string_view s) {
    if (m.tokens.empty() || m.tokens.back().is_macro) m.tokens.push_back(MacroToken{});
    m.tokens.back().literal += s;
}

std::optional<MacroString> parse_impl(std::string_view text, MacroContext ctx, std::string* error,
                                      ParseInfo& info) {
    auto fail = [&](std::string why) -> std::optional<MacroString> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    MacroString m;
    size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (c != '%') {
            // RFC 7208 §6.2: explain-string = *( macro-string / SP )
            if (!is_macro_literal(c) && !(ctx == MacroContext::Explanation && c == ' '))
                return fail("invalid character in macro string");
            add_literal(m, text.substr(i, 1));
            info.tail += c;
            info.ends_in_expand = false;
            ++i;
            continue;
        }
        if (i + 1 >= text.size()) return fail("'%' at the end of a macro string");
        char next = text[i + 1];
        info.tail.clear();
        info.ends_in_expand = true;
        // RFC 7208 §7.1: "%%" / "%_" / "%-"
        if (next == '%' || next == '_' || next == '-') {
            add_literal(m, next == '%' ? "%" : next == '_' ? " " : "%20");
            i += 2;
            continue;
        }
        if (next != '{') return fail("'%' not followed by '{', '%', '_' or '-'");
        i += 2;
        if (i >= text.size()) return fail("unterminated macro");
        MacroToken t;
        t.is_macro = true;
        char letter = text[i++];
        t.letter = ascii_lower(letter);
        t.url_escape = letter >= 'A' && letter <= 'Z';
        // RFC 7208 §7.2: s l o d i p v h, and c r t in explanations only.
        std::string_view letters = ctx == MacroContext::Explanation ? "slodipvhcrt" : "slodipvh";
        if (letters.find(t.letter) == std::string_view::npos)
            return fail(std::string("macro letter '") + letter + "' not allowed here");
        bool digits = false;
        int keep = 0;
        while (i < text.size() && ascii_digit(text[i])) {
            digits = true;
            keep = std::min(keep * 10 + (text[i] - '0'), kMaxMacroParts);
            ++i;
        }
        // RFC 7208 §7.3: "If a DIGIT is specified, the value MUST be nonzero."
        if (digits && keep == 0) return fail("macro transformer of zero parts");
        t.keep = keep;
        if (i < text.size() && ascii_lower(text[i]) == 'r') {
            t.reverse = true;
            ++i;
        }
        while (i < text.size() && is_delimiter(text[i])) t.delimiters += text[i++];
        if (i >= text.size() || text[i] != '}') return fail("malformed macro");
        ++i;
        m.tokens.push_back(std::move(t));
    }
    return m;
}

std::vector<std::string_view> split_any(std::string_view s, std::string_view delims) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || delims.find(s[i]) != std::string_view::npos) {
            parts.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    return parts;
}

// RFC 7208 §7.3: split on the delimiters, optionally reverse, keep the right-hand parts,
// rejoin with ".".
std::string transform(const MacroToken& t, std::string_view value) {
    if (t.keep == 0 && !t.reverse && t.delimiters.empty()) return std::string(value);
    auto parts = split_any(value, t.delimiters.empty() ? std::string_view(".") : t.delimiters);
    if (t.reverse) std::reverse(parts.begin(), parts.end());
    size_t from = 0;
    if (t.keep > 0 && parts.size() > size_t(t.keep)) from = parts.size() - size_t(t.keep);
    std::string out;
    for (size_t i = from; i < parts.size(); ++i) {
        if (i > from) out += '.';
        out += parts[i];
    }
    return out;
}

}  // namespace

std::optional<MacroString> parse_macro_string(std::string_view text, MacroContext ctx,
                                              std::string* error) {
    ParseInfo info;
    return parse_impl(text, ctx, error, info);
}

std::optional<MacroString> parse_domain_spec(std::string_view text, std::string* error) {
    if (text.empty()) {
        if (error) *error = "empty domain-spec";
        return std::nullopt;
    }
    ParseInfo info;
    auto m = parse_impl(text, MacroContext::Domain, error, info);
    if (!m || info.ends_in_expand) return m;
    // RFC 7208 §7.1: domain-end = ( "." toplabel [ "." ] ) / macro-expand
    std::string_view tail = info.tail;
    if (tail.ends_with('.')) tail.remove_suffix(1);
    auto dot = tail.rfind('.');
    if (dot == std::string_view::npos || !is_toplabel(tail.substr(dot + 1))) {
        if (error) *error = "domain-spec \"" + std::string(text) + "\" has no valid top label";
        return std::nullopt;
    }
    return m;
}

std::string expand(const MacroString& m, const std::function<std::string(char)>& value) {
    std::string out;
    for (const auto& t : m.tokens) {
        if (!t.is_macro) {
            out += t.literal;
            continue;
        }
        std::string v = transform(t, value(t.letter));
        out += t.url_escape ? url_escape(v) : v;
        if (out.size() > 2 * kMaxExpansion) out.erase(0, out.size() - kMaxExpansion);
    }
    if (out.size() > kMaxExpansion) out.erase(0, out.size() - kMaxExpansion);
    return out;
}

std::string url_escape(std::string_view s) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        // RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
        if (ascii_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            auto b = static_cast<unsigned char>(c);
            out += '%';
            out += hex[b >> 4];
            out += hex[b & 15];
        }
    }
    return out;
}

}  // namespace magpie::filter::spf
