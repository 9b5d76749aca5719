// SPF record selection and parsing (RFC 7208 §4.5, §4.6, §5, §6 and the ABNF of §12):
// terms, qualifiers, mechanism arguments, dual CIDR lengths and the modifiers.
#include "filter/spf_record.h"

#include "core/strings.h"

namespace magpie::filter::spf {

namespace {

// RFC 7208 §12: name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
bool is_name_char(char c) {
    return ascii_alnum(c) || c == '-' || c == '_' || c == '.';
}

// ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT); ip6-cidr-length likewise with 0*2DIGIT.
// The value must not exceed the address length (§5.6); leading zeros are not allowed.
bool parse_cidr_length(std::string_view s, int max, int& out) {
    if (s.empty() || s.size() > 3) return false;
    for (char c : s)
        if (!ascii_digit(c)) return false;
    if (s.size() > 1 && s[0] == '0') return false;
    int v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    if (v > max) return false;
    out = v;
    return true;
}

// dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]
bool parse_dual_cidr(std::string_view s, Mechanism& m) {
    if (s.starts_with('/') && !s.starts_with("//")) {
        s.remove_prefix(1);
        auto end = s.find('/');
        if (!parse_cidr_length(s.substr(0, end), 32, m.cidr4)) return false;
        s = end == std::string_view::npos ? std::string_view() : s.substr(end);
    }
    if (s.starts_with("//")) {
        if (!parse_cidr_length(s.substr(2), 128, m.cidr6)) return false;
        s = {};
    }
    return s.empty();
}

// Where the dual-cidr-length at the end of "domain-spec[/n][//n]" starts (or s.size()).
size_t cidr_suffix_start(std::string_view s) {
    auto skip_digits = [&](size_t end) {
        while (end > 0 && ascii_digit(s[end - 1])) --end;
        return end;
    };
    size_t end = s.size();
    size_t d = skip_digits(end);
    if (d == end || d == 0 || s[d - 1] != '/') return s.size();
    if (d >= 2 && s[d - 2] == '/') {  // "//n": an IPv6 length, maybe after an IPv4 one
        size_t six = d - 2;
        size_t d4 = skip_digits(six);
        if (d4 < six && d4 > 0 && s[d4 - 1] == '/') return d4 - 1;
        return six;
    }
    return d - 1;
}

// RFC 7208 §5.6: ip4-network = qnum "." qnum "." qnum "." qnum, qnum without leading zeros.
bool is_ip4_network(std::string_view s) {
    int parts = 0;
    size_t start = 0;
    for (size_t i = 0; i <= s.size(); ++i) {
        if (i < s.size() && s[i] != '.') continue;
        int v = 0;
        if (!parse_cidr_length(s.substr(start, i - start), 255, v)) return false;
        ++parts;
        start = i + 1;
    }
    return parts == 4;
}

bool parse_qualifier(char c, Qualifier& q) {
    switch (c) {
        case '+':
            q = Qualifier::Pass;
            return true;
        case '-':
            q = Qualifier::Fail;
            return true;
        case '~':
            q = Qualifier::SoftFail;
            return true;
        case '?':
            q = Qualifier::Neutral;
            return true;
        default:
            return false;
    }
}

struct KindName {
    std::string_view name;
    MechanismKind kind;
};
constexpr KindName kKinds[] = {
    {"all", MechanismKind::All}, {"include", MechanismKind::Include}, {"a", MechanismKind::A},
    {"mx", MechanismKind::Mx},   {"ptr", MechanismKind::Ptr},         {"ip4", MechanismKind::Ip4},
    {"ip6", MechanismKind::Ip6}, {"exists", MechanismKind::Exists},
};

// Parses one mechanism term (§5); false with *error on a syntax error.
bool parse_mechanism(std::string_view term, Mechanism& m, std::string* error) {
    m.text = std::string(term);
    auto fail = [&](std::string_view why) {
        if (error) *error = std::string(why) + " in \"" + m.text + "\"";
        return false;
    };
    std::string_view s = term;
    if (parse_qualifier(s.front(), m.qualifier)) s.remove_prefix(1);
    size_t n = 0;
    while (n < s.size() && ascii_alnum(s[n])) ++n;
    std::string name = to_lower(s.substr(0, n));
    std::string_view rest = s.substr(n);
    bool known = false;
    for (const auto& k : kKinds) {
        if (k.name == name) {
            m.kind = k.kind;
            known = true;
        }
    }
    if (!known) return fail("unknown mechanism");

    std::string why;
    auto domain = [&](std::string_view spec) {
        m.domain = parse_domain_spec(spec, &why);
        return m.domain.has_value();
    };
    switch (m.kind) {
        case MechanismKind::All:  // §5.1: all = "all"
            if (!rest.empty()) return fail("\"all\" takes no argument");
            return true;
        case MechanismKind::Include:  // §5.2: include = "include" ":" domain-spec
        case MechanismKind::Exists:   // §5.7: exists = "exists" ":" domain-spec
            if (!rest.starts_with(':')) return fail("missing domain");
            return domain(rest.substr(1)) || fail(why);
        case MechanismKind::Ptr:  // §5.5: PTR = "ptr" [ ":" domain-spec ]
            if (rest.empty()) return true;
            if (!rest.starts_with(':')) return fail("bad argument");
            return domain(rest.substr(1)) || fail(why);
        case MechanismKind::A:   // §5.3: A = "a" [ ":" domain-spec ] [ dual-cidr-length ]
        case MechanismKind::Mx:  // §5.4: MX = "mx" [ ":" domain-spec ] [ dual-cidr-length ]
            if (rest.empty()) return true;
            if (rest.starts_with('/')) return parse_dual_cidr(rest, m) || fail("bad CIDR length");
            if (rest.starts_with(':')) {
                rest.remove_prefix(1);
                size_t cut = cidr_suffix_start(rest);
                if (!domain(rest.substr(0, cut))) return fail(why);
                return parse_dual_cidr(rest.substr(cut), m) || fail("bad CIDR length");
            }
            return fail("bad argument");
        case MechanismKind::Ip4:    // §5.6: ip4 = "ip4" ":" ip4-network [ ip4-cidr-length ]
        case MechanismKind::Ip6: {  // §5.6: ip6 = "ip6" ":" ip6-network [ ip6-cidr-length ]
            bool v4 = m.kind == MechanismKind::Ip4;
            if (!rest.starts_with(':')) return fail("missing network");
            rest.remove_prefix(1);
            auto slash = rest.find('/');
            std::string_view net = rest.substr(0, slash);
            if (slash != std::string_view::npos &&
                !parse_cidr_length(rest.substr(slash + 1), v4 ? 32 : 128, v4 ? m.cidr4 : m.cidr6))
                return fail("bad CIDR length");
            bool shape_ok = v4 ? is_ip4_network(net)
                               : net.find(':') != std::string_view::npos &&
                                     net.find('[') == std::string_view::npos;
            auto ip = shape_ok ? IpAddr::parse(net) : std::nullopt;
            if (!ip) return fail(v4 ? "bad IPv4 network" : "bad IPv6 network");
            m.network = *ip;
            return true;
        }
    }
    return fail("unknown mechanism");
}

}  // namespace

bool is_spf_record(std::string_view txt) {
    // RFC 7208 §4.5: "v=spf1" terminated by a space or the end of the record.
    return istarts_with(txt, "v=spf1") && (txt.size() == 6 || txt[6] == ' ');
}

std::optional<Record> parse_record(std::string_view txt, std::string* error) {
    auto fail = [&](std::string why) -> std::optional<Record> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (!is_spf_record(txt)) return fail("not an SPF record");
    txt.remove_prefix(6);
    // RFC 7208 §4.6.1 and §3.1: terms are separated by spaces only; records are 7-bit ASCII.
    for (char c : txt)
        if (c != ' ' && !(c >= 0x21 && c <= 0x7e))
            return fail("control or non-ASCII character in the record");

    Record rec;
    size_t i = 0;
    while (i < txt.size()) {
        if (txt[i] == ' ') {
            ++i;
            continue;
        }
        size_t end = txt.find(' ', i);
        if (end == std::string_view::npos) end = txt.size();
        std::string_view term = txt.substr(i, end - i);
        i = end;

        // RFC 7208 §4.6.1: a modifier is name "=" ...; the "=" comes before any ":" or "/".
        size_t n = 0;
        while (n < term.size() && is_name_char(term[n])) ++n;
        if (ascii_alpha(term[0]) && n < term.size() && term[n] == '=') {
            std::string name = to_lower(term.substr(0, n));
            std::string_view value = term.substr(n + 1);
            std::string why;
            if (name == "redirect" || name == "exp") {
                auto& slot = name == "redirect" ? rec.redirect : rec.exp;
                // RFC 7208 §6: redirect and exp each appear at most once.
                if (slot) return fail("duplicate " + name + "= modifier");
                slot = parse_domain_spec(value, &why);
                if (!slot) return fail(why + " in \"" + std::string(term) + "\"");
            } else if (!parse_macro_string(value, MacroContext::Modifier, &why)) {
                // RFC 7208 §6: unknown modifiers are ignored, but must be well-formed.
                return fail(why + " in \"" + std::string(term) + "\"");
            }
            continue;
        }
        Mechanism m;
        std::string why;
        if (!parse_mechanism(term, m, &why)) return fail(why);
        if (m.kind == MechanismKind::All) rec.has_all = true;
        rec.mechanisms.push_back(std::move(m));
    }
    return rec;
}

}  // namespace magpie::filter::spf
