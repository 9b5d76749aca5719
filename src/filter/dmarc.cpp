// DMARC evaluation (RFC 7489): policy discovery (§6.6.3), identifier alignment (§3.1) and
// pct sampling (§6.6.4). The From domain's and the organizational domain's records are
// asked for in one DNS batch, so discovery costs one round trip; the second answer is
// used only when the first finds no record.
#include "filter/dmarc.h"

#include <algorithm>

#include "filter/domain_name.h"

namespace magpie::filter::dmarc {
namespace {

// What one _dmarc TXT answer gives.
struct Found {
    enum Kind { Absent, One, Several, Invalid, Temp, Perm } kind = Absent;
    Record record;
};

// §6.6.3: a TXT record counts as DMARC when it starts with the tag "v=DMARC1".
bool is_dmarc(std::string_view txt) {
    auto skip_ws = [&] {
        while (!txt.empty() && (txt.front() == ' ' || txt.front() == '\t')) txt.remove_prefix(1);
    };
    skip_ws();
    if (!txt.starts_with('v') && !txt.starts_with('V')) return false;
    txt.remove_prefix(1);
    skip_ws();
    if (!txt.starts_with('=')) return false;
    txt.remove_prefix(1);
    skip_ws();
    if (!txt.starts_with("DMARC1")) return false;
    txt.remove_prefix(6);
    skip_ws();
    return txt.empty() || txt.front() == ';';
}

Found discover(const DnsReply& reply) {
    Found f;
    switch (reply.status) {
        case DnsReply::Status::NoData:
        case DnsReply::Status::NxDomain:
            return f;
        case DnsReply::Status::TempFail:
            f.kind = Found::Temp;
            return f;
        case DnsReply::Status::PermFail:
            f.kind = Found::Perm;
            return f;
        case DnsReply::Status::Ok:
            break;
    }
    const std::string* txt = nullptr;
    for (const auto& r : reply.records) {
        if (!is_dmarc(r)) continue;  // other TXT records at the name are discarded
        if (txt) {
            f.kind = Found::Several;  // more than one DMARC record: no policy
            return f;
        }
        txt = &r;
    }
    if (!txt) return f;
    auto rec = parse_record(*txt);
    f.kind = rec ? Found::One : Found::Invalid;
    if (rec) f.record = std::move(*rec);
    return f;
}

// §3.1.1/§3.1.2: strict alignment needs the same name, relaxed the same organizational
// domain. `id` is a DKIM d= or the SPF-checked domain as given.
bool aligned(std::string_view id, const std::string& from, const std::string& from_org, bool strict,
             const PublicSuffixList& psl) {
    std::string d = normalise_domain(id);
    if (d.empty()) return false;
    if (d == from) return true;
    if (strict) return false;
    std::string org = psl.organizational_domain(d);
    return (org.empty() ? d : org) == from_org;
}

}  // namespace

Outcome evaluate(const Input& in, const DnsLookup& dns, const PublicSuffixList& psl,
                 unsigned random_percent) {
    Outcome out;
    if (in.from_domain.empty()) return out;  // no single author domain: nothing to evaluate
    const std::string from = normalise_domain(in.from_domain);
    if (from.empty()) {
        out.result = Result::PermError;
        return out;
    }
    // A public suffix (or a single label) is its own organizational domain.
    std::string from_org = psl.organizational_domain(from);
    if (from_org.empty()) from_org = from;

    std::vector<DnsQuery> queries{{"_dmarc." + from, DnsType::TXT}};
    if (from_org != from) queries.push_back({"_dmarc." + from_org, DnsType::TXT});
    std::vector<DnsReply> replies = dns(queries);
    replies.resize(queries.size());  // a missing answer is a TempFail (the default status)

    Found found = discover(replies[0]);
    bool at_org = false;
    if (found.kind == Found::Absent && queries.size() > 1) {
        found = discover(replies[1]);
        at_org = true;
    }
    switch (found.kind) {
        case Found::Temp:
            out.result = Result::TempError;
            return out;
        case Found::Perm:
            out.result = Result::PermError;
            return out;
        case Found::Absent:
        case Found::Several:
        case Found::Invalid:
            return out;  // no DMARC processing (§6.6.3)
        case Found::One:
            break;
    }
    const Record& rec = found.record;
    out.policy_domain = at_org ? from_org : from;
    // §6.3 sp=: for a From domain below the organizational domain whose record was found
    // there; otherwise p=.
    out.policy = at_org && rec.sp ? *rec.sp : rec.p;

    out.spf_aligned = in.spf_pass && aligned(in.spf_domain, from, from_org, rec.strict_spf, psl);
    out.dkim_aligned = std::any_of(
        in.dkim_pass_domains.begin(), in.dkim_pass_domains.end(),
        [&](const std::string& d) { return aligned(d, from, from_org, rec.strict_dkim, psl); });
    out.result = out.spf_aligned || out.dkim_aligned ? Result::Pass : Result::Fail;
    // §6.6.4: pct= applies the policy to that share of failing messages; the caller applies
    // the next lower policy to a message sampled out.
    if (out.result == Result::Fail &&
        std::min(random_percent, 99u) >= static_cast<unsigned>(rec.pct))
        out.sampled_out = true;
    return out;
}

}  // namespace magpie::filter::dmarc
