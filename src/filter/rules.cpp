// Header and body heuristics of the antispam score. Scores follow Rspamd's defaults for
// the rules of the same meaning, so thresholds carry over from an Rspamd setup.
#include "filter/rules.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/strings.h"
#include "filter/public_suffix.h"
#include "mime/address.h"
#include "mime/text_extract.h"

namespace magpie::filter {

namespace {

const mime::HeaderField* field(const mime::Message& m, std::string_view name) {
    return m.root.header(name);
}

std::string domain_of(std::string_view address) {
    auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string() : to_lower(address.substr(at + 1));
}

// The organizational domain by the Public Suffix List ("mail.example.co.uk" and
// "example.co.uk" are the same sender, "a.co.uk" and "b.co.uk" are not); the name itself
// when it is a public suffix.
std::string base_domain(std::string_view d) {
    std::string org = PublicSuffixList::system().organizational_domain(d);
    return org.empty() ? std::string(d) : org;
}

bool all_caps(std::string_view s) {
    int upper = 0;
    for (unsigned char c : s) {
        if (std::islower(c)) return false;
        if (std::isupper(c)) ++upper;
    }
    return upper >= 10;
}

bool has_html_only(const mime::Part& p) {
    if (p.is_multipart()) {
        if (p.subtype == "alternative") {
            return std::none_of(
                       p.children.begin(), p.children.end(),
                       [](const mime::Part& c) { return c.is_text() && c.subtype == "plain"; }) &&
                   std::any_of(p.children.begin(), p.children.end(), [](const mime::Part& c) {
                       return c.is_text() && c.subtype == "html";
                   });
        }
        return !p.children.empty() && has_html_only(p.children.front());
    }
    return p.is_text() && p.subtype == "html";
}

bool is_ip_host(std::string_view host) {
    if (host.empty()) return false;
    if (host.front() == '[') return true;
    return std::all_of(
               host.begin(), host.end(),
               [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; }) &&
           std::count(host.begin(), host.end(), '.') == 3;
}

std::string url_host(std::string_view url) {
    auto p = url.find("://");
    if (p == std::string_view::npos) return {};
    url.remove_prefix(p + 3);
    size_t end = url.find_first_of("/?#:\"'<> \r\n");
    std::string h = to_lower(url.substr(0, end));
    if (auto at = h.rfind('@'); at != std::string::npos) h.erase(0, at + 1);
    return h;
}

// Scans HTML for <a href="http://A">text naming host B</a> with B's domain != A's.
bool phishing_link(std::string_view html) {
    std::string lower = to_lower(html);
    size_t pos = 0;
    int seen = 0;
    while ((pos = lower.find("<a ", pos)) != std::string::npos && ++seen < 500) {
        size_t href = lower.find("href", pos);
        size_t close = lower.find('>', pos);
        if (href == std::string::npos || close == std::string::npos || href > close) {
            pos += 3;
            continue;
        }
        std::string target = url_host(std::string_view(lower).substr(href, close - href));
        size_t end = lower.find("</a", close);
        if (end == std::string::npos) break;
        std::string_view text = std::string_view(lower).substr(close + 1, end - close - 1);
        std::string shown;
        if (auto h = url_host(text); !h.empty()) {
            shown = h;
        } else {
            std::string t(trim(text));
            if (t.rfind("www.", 0) == 0 && t.find(' ') == std::string::npos)
                shown = t.substr(0, t.find('/'));
        }
        if (!target.empty() && !shown.empty() && shown.find('.') != std::string::npos &&
            base_domain(shown) != base_domain(target)) {
            return true;
        }
        pos = end;
    }
    return false;
}

bool text_has_ip_url(std::string_view text) {
    size_t pos = 0;
    int seen = 0;
    while ((pos = text.find("://", pos)) != std::string_view::npos && ++seen < 1000) {
        size_t start = pos;
        while (start > 0 && std::isalpha(static_cast<unsigned char>(text[start - 1]))) --start;
        if (is_ip_host(url_host(text.substr(start)))) return true;
        pos += 3;
    }
    return false;
}

// The HTML of the first text/html part, bounded.
std::string first_html(std::string_view data, const mime::Part& p, int depth = 0) {
    if (depth > 20) return {};
    if (p.is_text() && p.subtype == "html") return mime::decoded_body(data, p, 1 << 20);
    for (const auto& c : p.children) {
        if (auto h = first_html(data, c, depth + 1); !h.empty()) return h;
    }
    if (p.message) return first_html(data, *p.message, depth + 1);
    return {};
}

}  // namespace

GtubePolicy gtube_policy(std::string_view setting) {
    if (iequals(setting, "all")) return GtubePolicy::All;
    if (iequals(setting, "disabled")) return GtubePolicy::Disabled;
    return GtubePolicy::Reject;
}

namespace {

GtubeKind gtube_kind(char first) {
    switch (first) {
        case 'X':
            return GtubeKind::Reject;
        case 'Y':
            return GtubeKind::AddHeader;
        case 'Z':
            return GtubeKind::RewriteSubject;
        case 'A':
            return GtubeKind::NoAction;
        default:
            return GtubeKind::None;
    }
}

// The strongest pattern in `text`: every occurrence of the common tail is looked at, and
// the letter before it names the kind.
GtubeKind scan_gtube(std::string_view text, GtubePolicy policy) {
    const std::string_view tail = kGtube.substr(1);
    GtubeKind best = GtubeKind::None;
    for (size_t pos = text.find(tail, 1); pos != std::string_view::npos;
         pos = text.find(tail, pos + 1)) {
        GtubeKind k = gtube_kind(text[pos - 1]);
        if (k == GtubeKind::Reject) return k;
        if (k != GtubeKind::None && policy == GtubePolicy::All && best == GtubeKind::None) best = k;
    }
    return best;
}

// Text parts sent base64 or quoted-printable, where the pattern is not in the raw bytes.
GtubeKind scan_encoded_parts(std::string_view data, const mime::Part& p, GtubePolicy policy,
                             int depth = 0) {
    if (depth > 20) return GtubeKind::None;
    GtubeKind best = GtubeKind::None;
    auto keep = [&](GtubeKind k) {
        if (k == GtubeKind::Reject || best == GtubeKind::None) best = k;
    };
    if (p.is_text() &&
        (p.encoding == mime::Encoding::kBase64 || p.encoding == mime::Encoding::kQuotedPrintable)) {
        keep(scan_gtube(mime::decoded_body(data, p, 1 << 20), policy));
    }
    for (const auto& c : p.children) {
        if (best == GtubeKind::Reject) break;
        keep(scan_encoded_parts(data, c, policy, depth + 1));
    }
    if (p.message && best != GtubeKind::Reject)
        keep(scan_encoded_parts(data, *p.message, policy, depth + 1));
    return best;
}

}  // namespace

GtubeKind find_gtube(std::string_view data, const mime::Message& msg, GtubePolicy policy) {
    if (policy == GtubePolicy::Disabled) return GtubeKind::None;
    GtubeKind raw = scan_gtube(data, policy);
    if (raw == GtubeKind::Reject) return raw;
    GtubeKind decoded = scan_encoded_parts(data, msg.root, policy);
    return decoded != GtubeKind::None ? decoded : raw;
}

void run_heuristics(const RuleContext& ctx, Verdict& v) {
    const auto& m = ctx.msg;
    if (!field(m, "Date")) v.add("MISSING_DATE", 1.0);
    if (!field(m, "Message-ID")) v.add("MISSING_MID", 2.5);
    const auto* from = field(m, "From");
    if (!from) v.add("MISSING_FROM", 2.0);
    if (!field(m, "To") && !field(m, "Cc") && !field(m, "Bcc")) v.add("MISSING_TO", 2.0);
    if (!field(m, "Subject")) v.add("MISSING_SUBJECT", 2.0);

    if (from && !ctx.sender.empty()) {
        auto addrs = mime::parse_address_list(from->raw_value);
        std::string env = domain_of(ctx.sender);
        for (const auto& a : addrs) {
            if (a.group_start || a.group_end || a.host.empty()) continue;
            if (base_domain(to_lower(a.host)) != base_domain(env))
                v.add("FROM_NEQ_ENVFROM", 0.5, to_lower(a.host));
            break;
        }
    }
    if (has_html_only(m.root)) v.add("MIME_HTML_ONLY", 0.2);
    std::string subject = mime::decoded_header(m.root, "Subject");
    if (all_caps(subject)) v.add("SUBJ_ALL_CAPS", 3.0);

    mime::ExtractOptions opt;
    opt.max_text_bytes = 1 << 20;
    auto text = mime::extract_text(m, opt);
    std::string html = first_html(ctx.data, m.root);
    if (text_has_ip_url(text.text) || text_has_ip_url(html)) v.add("HTTP_TO_IP", 1.0);
    if (!html.empty() && phishing_link(html)) v.add("PHISHING", 4.0);

    // Received lines claiming "by <our hostname>" beyond the first (ours, written on receipt).
    int ours = 0;
    std::string host = to_lower(ctx.hostname);
    for (const auto& f : m.root.headers) {
        if (!iequals(f.name, "Received")) continue;
        std::string val = to_lower(f.raw_value);
        if (!host.empty() && val.find("by " + host) != std::string::npos) ++ours;
    }
    if (ours > 1) v.add("FORGED_RCVD", 3.0);
}

}  // namespace magpie::filter
