// The link domains of a message for URI blocklists: http/https URLs, HTML href values
// (character references decoded) and bare "www." names in the decoded text/plain and
// text/html parts, hosts reduced to their registrable domain with the Public Suffix List.
// Hosts are percent-decoded, lower-cased, IDNs turned into A-labels; IP literals (also the
// WHATWG numeric forms such as http://3232235777/) become addresses. Limits: kMaxParts
// parts, kMaxPartBytes decoded per part, kMaxScanBytes in all, kMaxHostBytes per host.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <unordered_set>

#include "core/cidr.h"
#include "core/strings.h"
#include "filter/dnsbl.h"
#include "filter/domain_name.h"
#include "filter/ip_scope.h"
#include "mime/charset.h"
#include "mime/html_text.h"
#include "mime/text_extract.h"

namespace magpie::filter::dnsbl {
namespace {

constexpr size_t kMaxParts = 100;
constexpr size_t kMaxPartBytes = 1 << 20;
constexpr size_t kMaxScanBytes = 4 << 20;
constexpr size_t kMaxHostBytes = 1024;  // before percent-decoding
constexpr size_t kMaxHrefBytes = 4096;

// Special-use names (RFC 6761, RFC 6762, RFC 7686, RFC 2606) that no blocklist lists.
bool special_use(std::string_view host) {
    std::string_view tld = host.substr(host.rfind('.') + 1);
    for (std::string_view s : {"localhost", "local", "invalid", "test", "example", "onion",
                               "internal", "lan", "home", "localdomain", "arpa"})
        if (tld == s) return true;
    return false;
}

// Where a URL's authority ends in running text or an attribute value.
bool authority_end(unsigned char c) {
    if (c <= ' ' || c == 0x7f) return true;
    switch (c) {
        case '/':
        case '\\':
        case '?':
        case '#':
        case '"':
        case '\'':
        case '<':
        case '>':
        case '(':
        case ')':
        case '{':
        case '}':
        case '|':
        case '^':
        case '`':
        case ',':
        case ';':
        case '*':
        case '!':
        case ']':
            return true;
        default:
            return false;
    }
}

// Unicode punctuation that ends a link in prose: U+00A0, U+00AB, U+00BB, U+2000-U+207F
// (quotes, dashes, spaces), U+3000-U+303F except the ideographic full stop U+3002.
bool unicode_stop(std::string_view s) {
    auto b = [&](size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0; };
    if (b(0) == 0xC2) return b(1) == 0xA0 || b(1) == 0xAB || b(1) == 0xBB;
    if (b(0) == 0xE2) return b(1) == 0x80 || b(1) == 0x81;
    if (b(0) == 0xE3) return b(1) == 0x80 && b(2) != 0x82;
    return false;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
            hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// One dotted part of a WHATWG IPv4 host: decimal, 0x hex or 0-prefixed octal.
std::optional<uint64_t> ipv4_number(std::string_view s) {
    int radix = 10;
    if (s.size() >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
        radix = 16;
        s.remove_prefix(2);
    } else if (s.size() >= 2 && s[0] == '0') {
        radix = 8;
        s.remove_prefix(1);
    }
    if (s.size() > 12) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        int d = hex_value(c);
        if (d < 0 || d >= radix) return std::nullopt;
        v = v * radix + d;
    }
    return v;
}

// A host whose last label is a number is an IPv4 address in the WHATWG URL standard
// ("ends in a number"): "1.2.3.4", "0x7f.1", "3232235777". nullopt when it is not one;
// "" when it ends in a number but is no valid address.
std::optional<std::string> numeric_ipv4(std::string_view host) {
    std::vector<std::string_view> parts;
    for (size_t start = 0;;) {
        size_t dot = host.find('.', start);
        parts.push_back(host.substr(start, dot - start));
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    if (parts.back().empty() && parts.size() > 1) parts.pop_back();
    std::string_view last = parts.back();
    bool digits = !last.empty() && std::all_of(last.begin(), last.end(),
                                               [](char c) { return c >= '0' && c <= '9'; });
    bool hex = last.size() >= 2 && last[0] == '0' && (last[1] | 0x20) == 'x' &&
               std::all_of(last.begin() + 2, last.end(), [](char c) { return hex_value(c) >= 0; });
    if (!digits && !hex) return std::nullopt;
    if (parts.size() > 4) return std::string();
    uint64_t value = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
        auto n = parts[i].empty() ? std::nullopt : ipv4_number(parts[i]);
        if (!n) return std::string();
        if (i + 1 < parts.size()) {
            if (*n > 255) return std::string();
            value = value << 8 | *n;
        } else {
            size_t bits = 8 * (5 - parts.size());
            if (*n >= (uint64_t{1} << bits)) return std::string();
            value = value << bits | *n;
        }
    }
    return std::to_string(value >> 24) + '.' + std::to_string(value >> 16 & 0xff) + '.' +
           std::to_string(value >> 8 & 0xff) + '.' + std::to_string(value & 0xff);
}

class Collector {
  public:
    Collector(const PublicSuffixList& psl, size_t max) : psl_(psl), max_(max) {}

    bool full() const { return out_.size() >= max_; }
    std::vector<std::string> take() { return std::move(out_); }

    // Every http(s) URL and bare www. name in `text`.
    void scan_text(std::string_view text) {
        for (size_t i = 0; i < text.size() && !full();) {
            char c = text[i] | 0x20;
            size_t host = std::string_view::npos;
            if (c == 'h') {
                host = after_scheme(text, i);
            } else if (c == 'w' && istarts_with(text.substr(i), "www.") &&
                       (i == 0 || !word_byte(text[i - 1]))) {
                host = i;
            }
            if (host == std::string_view::npos) {
                ++i;
                continue;
            }
            i = authority(text, host);
        }
    }

    // The values of href attributes, character references decoded, as URLs.
    void scan_hrefs(std::string_view html) {
        for (size_t i = 0; !full();) {
            i = find_ci(html, "href", i);
            if (i == std::string_view::npos) return;
            size_t p = skip_ws(html, i + 4);
            i += 4;
            if (p >= html.size() || html[p] != '=') continue;
            p = skip_ws(html, p + 1);
            if (p >= html.size()) return;
            size_t end;
            if (html[p] == '"' || html[p] == '\'') {
                end = html.find(html[p], p + 1);
                ++p;
            } else {
                end = html.find_first_of(" \t\r\n>", p);
            }
            if (end == std::string_view::npos) end = html.size();
            std::string_view raw = html.substr(p, std::min(end - p, kMaxHrefBytes));
            std::string value;
            mime::html_to_text(raw, value);  // decodes "&#104;ttp&colon;//..."
            std::string_view v = trim(value);
            size_t host = after_scheme(v, 0);
            if (host == std::string_view::npos && v.starts_with("//")) host = 2;
            if (host != std::string_view::npos) authority(v, host);
            i = end;
        }
    }

  private:
    const PublicSuffixList& psl_;
    size_t max_;
    std::vector<std::string> out_;
    std::unordered_set<std::string> seen_;

    static bool word_byte(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-' || c == '_' || c == '/' || c == '@';
    }

    static size_t skip_ws(std::string_view s, size_t i) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
        return i;
    }

    static size_t find_ci(std::string_view s, std::string_view needle, size_t from) {
        for (size_t i = from; i + needle.size() <= s.size(); ++i)
            if (istarts_with(s.substr(i), needle)) return i;
        return std::string_view::npos;
    }

    // At "http:" or "https:" followed by slashes or backslashes (browsers take both): the
    // authority's start, else npos.
    static size_t after_scheme(std::string_view s, size_t i) {
        std::string_view rest = s.substr(i);
        size_t n = istarts_with(rest, "https:") ? 6 : istarts_with(rest, "http:") ? 5 : 0;
        if (n == 0) return std::string_view::npos;
        size_t p = i + n;
        while (p < s.size() && (s[p] == '/' || s[p] == '\\')) ++p;
        return p == i + n ? std::string_view::npos : p;
    }

    // Takes the host of the authority starting at `start`; returns where it ended.
    size_t authority(std::string_view s, size_t start) {
        size_t end = start;
        if (end < s.size() && s[end] == '[') {  // IPv6 literal (RFC 3986 §3.2.2)
            size_t close = s.find(']', end);
            if (close == std::string_view::npos) return end + 1;
            end = close + 1;
            add_ip_literal(s.substr(start, end - start));
            return end;
        }
        while (end < s.size() && !authority_end(static_cast<unsigned char>(s[end])) &&
               !unicode_stop(s.substr(end)))
            ++end;
        std::string_view auth = s.substr(start, end - start);
        if (size_t at = auth.rfind('@'); at != std::string_view::npos) {  // userinfo
            auth.remove_prefix(at + 1);
            if (auth.starts_with('[')) {
                add_ip_literal(auth.substr(0, auth.find(']') + 1));
                return end;
            }
        }
        if (size_t colon = auth.find(':'); colon != std::string_view::npos)  // port
            auth = auth.substr(0, colon);
        if (auth.size() <= kMaxHostBytes) add_host(percent_decode(auth));
        return std::max(end, start + 1);
    }

    void add_ip_literal(std::string_view bracketed) {
        if (auto ip = IpAddr::parse(bracketed); ip && is_global_unicast(*ip)) add(ip->str());
    }

    void add_host(std::string host) {
        while (host.ends_with('.')) host.pop_back();  // trailing dots, also "www.a.com." in prose
        while (host.ends_with('-')) host.pop_back();
        if (host.empty()) return;
        std::string name = normalise_domain(host);
        if (name.empty()) return;
        if (auto ip = numeric_ipv4(name)) {
            if (auto a = IpAddr::parse(*ip); a && is_global_unicast(*a)) add(a->str());
            return;
        }
        if (name.find('.') == std::string::npos || special_use(name)) return;
        std::string org = psl_.organizational_domain(name);
        if (!org.empty()) add(std::move(org));
    }

    void add(std::string name) {
        if (!full() && seen_.insert(name).second) out_.push_back(std::move(name));
    }
};

}  // namespace

std::vector<std::string> link_domains(const mime::Message& msg, std::string_view data,
                                      const PublicSuffixList& psl, size_t max) {
    Collector c(psl, max);
    size_t parts = 0, scanned = 0;
    // Every text/plain and text/html leaf, alternatives included (their links may differ).
    auto walk = [&](auto& self, const mime::Part& p) -> void {
        if (c.full() || ++parts > kMaxParts || scanned >= kMaxScanBytes) return;
        if (p.message) self(self, *p.message);
        for (const auto& child : p.children) self(self, child);
        if (p.is_multipart() || p.message || p.type != "text") return;
        bool html = p.subtype == "html";
        if (!html && p.subtype != "plain") return;
        std::string raw =
            mime::decoded_body(data, p, std::min(kMaxPartBytes, kMaxScanBytes - scanned));
        scanned += raw.size();
        std::string charset = p.param("charset");
        if (html && charset.empty()) charset = mime::html_meta_charset(raw);
        std::string text;
        mime::to_utf8(charset.empty() ? "us-ascii" : charset, raw, text);
        c.scan_text(text);
        if (html) {
            c.scan_hrefs(text);
            std::string visible;
            mime::html_to_text(text, visible);
            c.scan_text(visible);
        }
    };
    walk(walk, msg.root);
    return c.take();
}

}  // namespace magpie::filter::dnsbl
