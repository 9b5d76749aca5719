// DMARC policy record parsing (RFC 7489 §6.3 tags, §6.4 syntax) and result names. Tag
// names and keyword values are case-insensitive (ABNF quoted strings); "DMARC1" is exact.
// Unknown tags are ignored (§6.3); an invalid optional tag keeps its default. Limits: at
// most kMaxReportUris URIs are kept per rua/ruf tag.
#include <charconv>
#include <utility>

#include "core/strings.h"
#include "filter/dmarc.h"

namespace magpie::filter::dmarc {
namespace {

constexpr size_t kMaxReportUris = 16;

std::optional<Policy> parse_policy(std::string_view v) {
    if (iequals(v, "none")) return Policy::None;
    if (iequals(v, "quarantine")) return Policy::Quarantine;
    if (iequals(v, "reject")) return Policy::Reject;
    return std::nullopt;
}

std::optional<bool> parse_strict(std::string_view v) {  // adkim/aspf: "r" or "s" (§6.3)
    if (iequals(v, "s")) return true;
    if (iequals(v, "r")) return false;
    return std::nullopt;
}

std::optional<int> parse_pct(std::string_view v) {  // 1*3DIGIT, 0..100
    int n = -1;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || v.size() > 3 || n < 0 || n > 100)
        return std::nullopt;
    return n;
}

bool is_alpha(char c) {
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// §6.4 dmarc-uri: a URI with a scheme (RFC 3986 §3.1), optionally "!" size [k|m|g|t].
bool valid_report_uri(std::string_view u) {
    size_t bang = u.rfind('!');
    if (bang != std::string_view::npos) {
        std::string_view size = u.substr(bang + 1);
        if (!size.empty() && !is_digit(size.back())) size.remove_suffix(1);
        if (size.empty()) return false;
        for (char c : size)
            if (!is_digit(c)) return false;
        u = u.substr(0, bang);
    }
    size_t colon = u.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon + 1 == u.size() || !is_alpha(u[0]))
        return false;
    for (char c : u.substr(0, colon))
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
    for (char c : u)
        if (static_cast<unsigned char>(c) <= ' ' || c == ';') return false;
    return true;
}

// The valid URIs of a comma-separated rua/ruf value; invalid ones are dropped.
std::vector<std::string> parse_uris(std::string_view v) {
    std::vector<std::string> out;
    for (auto& u : split_list(v, ","))
        if (out.size() < kMaxReportUris && valid_report_uri(u)) out.push_back(u);
    return out;
}

}  // namespace

std::optional<Record> parse_record(std::string_view txt) {
    Record r;
    bool first = true, have_p = false, bad_sp = false;
    bool seen_p = false, seen_sp = false, seen_adkim = false, seen_aspf = false, seen_pct = false,
         seen_rua = false, seen_ruf = false;
    for (size_t pos = 0; pos <= txt.size();) {
        size_t semi = txt.find(';', pos);
        std::string_view item = trim(txt.substr(pos, semi - pos));
        pos = semi == std::string_view::npos ? txt.size() + 1 : semi + 1;
        if (item.empty()) {
            if (first) return std::nullopt;
            continue;
        }
        size_t eq = item.find('=');
        if (eq == std::string_view::npos) {
            if (first) return std::nullopt;
            continue;  // not a tag: ignored like an unknown one
        }
        std::string tag = to_lower(trim(item.substr(0, eq)));
        std::string_view value = trim(item.substr(eq + 1));
        if (first) {
            // §6.4: the record starts with "v=DMARC1" (%x44.4d.41.52.43.31, case-sensitive).
            if (tag != "v" || value != "DMARC1") return std::nullopt;
            first = false;
            continue;
        }
        // Only a tag's first occurrence counts.
        if (tag == "p" && !std::exchange(seen_p, true)) {
            auto p = parse_policy(value);
            have_p = p.has_value();
            if (p) r.p = *p;
        } else if (tag == "sp" && !std::exchange(seen_sp, true)) {
            r.sp = parse_policy(value);
            bad_sp = !r.sp;
        } else if (tag == "adkim" && !std::exchange(seen_adkim, true)) {
            r.strict_dkim = parse_strict(value).value_or(false);
        } else if (tag == "aspf" && !std::exchange(seen_aspf, true)) {
            r.strict_spf = parse_strict(value).value_or(false);
        } else if (tag == "pct" && !std::exchange(seen_pct, true)) {
            r.pct = parse_pct(value).value_or(100);
        } else if (tag == "rua" && !std::exchange(seen_rua, true)) {
            r.rua = parse_uris(value);
        } else if (tag == "ruf" && !std::exchange(seen_ruf, true)) {
            r.ruf = parse_uris(value);
        }
        // fo, rf and ri concern the reports we do not send; unknown tags are ignored (§6.3).
    }
    if (first) return std::nullopt;
    // §6.6.3: a record without a valid p= (or with an invalid sp=) counts as "p=none" when
    // it names at least one valid rua URI, and is ignored otherwise.
    if (!have_p || bad_sp) {
        if (r.rua.empty()) return std::nullopt;
        r.p = Policy::None;
        r.sp.reset();
    }
    return r;
}

std::string_view result_name(Result r) {
    switch (r) {
        case Result::None:
            return "none";
        case Result::Pass:
            return "pass";
        case Result::Fail:
            return "fail";
        case Result::TempError:
            return "temperror";
        case Result::PermError:
            return "permerror";
    }
    return "none";
}

}  // namespace magpie::filter::dmarc
