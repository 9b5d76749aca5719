// SPF, DKIM, DMARC and blocklist results turned into scored rules, Rspamd's symbol names
// and weights, and Authentication-Results entries.
#include "filter/network_checks.h"

#include "core/strings.h"
#include "dkim/verifier.h"
#include "filter/dmarc.h"
#include "filter/dnsbl.h"
#include "filter/pipeline.h"
#include "filter/spf.h"
#include "mime/address.h"

namespace magpie::filter {

namespace {

// Scores as Rspamd weighs these results by default.
constexpr double kSpfAllow = -0.2, kSpfFail = 1.0, kSpfSoftFail = 0.0;
constexpr double kDkimAllow = -0.2, kDkimReject = 1.0;
constexpr double kDmarcAllow = -0.5, kDmarcReject = 2.0, kDmarcQuarantine = 1.5, kDmarcNone = 0.1;
constexpr double kDefaultListScore = 3.0;

spf::Outcome check_spf(const ScanRequest& req, const DnsLookup& dns, Verdict& v) {
    spf::Request sr{req.client_ip, req.sender, req.helo, req.hostname};
    spf::Outcome o = spf::check(sr, dns);
    using R = spf::Result;
    switch (o.result) {
        case R::Pass:
            v.add("R_SPF_ALLOW", kSpfAllow, o.mechanism);
            break;
        case R::Fail:
            v.add("R_SPF_FAIL", kSpfFail, o.mechanism);
            break;
        case R::SoftFail:
            v.add("R_SPF_SOFTFAIL", kSpfSoftFail, o.mechanism);
            break;
        case R::Neutral:
            v.add("R_SPF_NEUTRAL", 0, o.mechanism);
            break;
        case R::TempError:
            v.add("R_SPF_DNSFAIL", 0, o.problem);
            break;
        case R::PermError:
            v.add("R_SPF_PERMFAIL", 0, o.problem);
            break;
        case R::None:
            v.add("R_SPF_NA", 0);
            break;
    }
    std::string res = "spf=" + std::string(spf::result_name(o.result));
    if (!o.domain.empty()) {
        res += o.identity == "helo"
                   ? " smtp.helo=" + o.domain
                   : " smtp.mailfrom=" + (req.sender.empty() ? o.domain : req.sender);
    }
    v.auth_results.push_back(std::move(res));
    return o;
}

dkim::TxtLookup txt_lookup(const DnsLookup& dns) {
    return [&dns](std::string name) -> std::optional<std::vector<std::string>> {
        auto replies = dns({DnsQuery{std::move(name), DnsType::TXT}});
        const DnsReply& r = replies.at(0);
        if (r.status == DnsReply::Status::TempFail) return std::nullopt;
        if (r.status != DnsReply::Status::Ok) return std::vector<std::string>{};
        return r.records;
    };
}

std::vector<std::string> check_dkim(const ScanRequest& req, const DnsLookup& dns, Verdict& v) {
    std::vector<std::string> passed;
    auto results = dkim::verify(req.data, txt_lookup(dns));
    if (results.empty()) {
        v.add("R_DKIM_NA", 0);
        v.auth_results.push_back("dkim=none");
        return passed;
    }
    bool allow = false, reject = false, temp = false, perm = false;
    std::string allow_d, reject_d;
    for (const auto& r : results) {
        std::string res = "dkim=" + std::string(dkim::verdict_name(r.verdict));
        if (!r.reason.empty() && r.verdict != dkim::Verdict::Pass) res += " (" + r.reason + ")";
        if (!r.domain.empty()) res += " header.d=" + r.domain;
        if (!r.selector.empty()) res += " header.s=" + r.selector;
        v.auth_results.push_back(std::move(res));
        switch (r.verdict) {
            case dkim::Verdict::Pass:
                allow = true;
                if (allow_d.empty()) allow_d = r.domain;
                passed.push_back(to_lower(r.domain));
                break;
            case dkim::Verdict::Fail:
                reject = true;
                if (reject_d.empty()) reject_d = r.domain;
                break;
            case dkim::Verdict::TempError:
                temp = true;
                break;
            default:
                perm = true;
                break;
        }
    }
    if (allow) v.add("R_DKIM_ALLOW", kDkimAllow, allow_d);
    if (reject && !allow) v.add("R_DKIM_REJECT", kDkimReject, reject_d);
    if (temp && !allow) v.add("R_DKIM_TEMPFAIL", 0);
    if (perm && !allow && !reject) v.add("R_DKIM_PERMFAIL", 0);
    return passed;
}

// RFC 7489 §6.6.1: the domain of the single From address; "" when there is none or more
// than one (such messages get no DMARC result).
std::string from_domain(const mime::Message& msg) {
    const mime::HeaderField* from = nullptr;
    for (const auto& f : msg.root.headers) {
        if (!iequals(f.name, "from")) continue;
        if (from) return {};
        from = &f;
    }
    if (!from) return {};
    auto list = mime::parse_address_list(mime::unfold(from->raw_value));
    if (list.size() != 1 || list[0].group_start || list[0].host.empty() || list[0].host[0] == '[')
        return {};
    std::string d = to_lower(list[0].host);
    while (!d.empty() && d.back() == '.') d.pop_back();
    return d;
}

NetworkOutcome check_dmarc(const mime::Message& msg, const spf::Outcome& spf_out,
                           std::vector<std::string> dkim_domains, const DnsLookup& dns,
                           const PublicSuffixList& psl, unsigned random_percent, Verdict& v) {
    NetworkOutcome out;
    dmarc::Input in;
    in.from_domain = from_domain(msg);
    if (in.from_domain.empty()) {
        v.add("DMARC_NA", 0, "no single From domain");
        v.auth_results.push_back("dmarc=none");
        return out;
    }
    in.spf_domain = to_lower(spf_out.identity == "mailfrom" ? spf_out.domain : std::string());
    in.spf_pass = spf_out.result == spf::Result::Pass && !in.spf_domain.empty();
    in.dkim_pass_domains = std::move(dkim_domains);
    dmarc::Outcome o = dmarc::evaluate(in, dns, psl, random_percent);
    std::string res = "dmarc=" + std::string(dmarc::result_name(o.result));
    if (o.result == dmarc::Result::Pass || o.result == dmarc::Result::Fail) {
        res += std::string(" (p=") +
               (o.policy == dmarc::Policy::Reject       ? "reject"
                : o.policy == dmarc::Policy::Quarantine ? "quarantine"
                                                        : "none") +
               ")";
    }
    res += " header.from=" + in.from_domain;
    v.auth_results.push_back(std::move(res));
    switch (o.result) {
        case dmarc::Result::Pass:
            v.add("DMARC_POLICY_ALLOW", kDmarcAllow, in.from_domain);
            break;
        case dmarc::Result::Fail: {
            // RFC 7489 §6.6.4: a message outside pct= gets the next lower policy.
            dmarc::Policy p = o.policy;
            if (o.sampled_out)
                p = p == dmarc::Policy::Reject ? dmarc::Policy::Quarantine : dmarc::Policy::None;
            if (p == dmarc::Policy::Reject) {
                v.add("DMARC_POLICY_REJECT", kDmarcReject, in.from_domain);
                out.dmarc_reject = true;
            } else if (p == dmarc::Policy::Quarantine) {
                v.add("DMARC_POLICY_QUARANTINE", kDmarcQuarantine, in.from_domain);
                out.dmarc_quarantine = true;
            } else {
                v.add("DMARC_POLICY_SOFTFAIL", kDmarcNone, in.from_domain);
            }
            out.dmarc_domain = in.from_domain;
            break;
        }
        case dmarc::Result::TempError:
            v.add("DMARC_DNSFAIL", 0, in.from_domain);
            break;
        case dmarc::Result::PermError:
            v.add("DMARC_BAD_POLICY", 0, in.from_domain);
            break;
        case dmarc::Result::None:
            v.add("DMARC_NA", 0, in.from_domain);
            break;
    }
    return out;
}

}  // namespace

NetworkOutcome run_network_checks(const ScanRequest& req, const mime::Message& msg,
                                  const store::Settings& s, const DnsLookup& dns,
                                  const PublicSuffixList& psl, unsigned random_percent,
                                  Verdict& v) {
    NetworkOutcome out;
    if (s.spf_dkim_dmarc_checks && !req.authenticated) {
        spf::Outcome spf_out = check_spf(req, dns, v);
        auto dkim_domains = check_dkim(req, dns, v);
        out = check_dmarc(msg, spf_out, std::move(dkim_domains), dns, psl, random_percent, v);
    }
    auto ip_lists = req.authenticated ? std::vector<dnsbl::List>{}
                                      : dnsbl::parse_lists(s.dnsbl_lists, kDefaultListScore);
    auto uri_lists = dnsbl::parse_lists(s.uribl_lists, kDefaultListScore);
    std::vector<std::string> links;
    if (!uri_lists.empty()) links = dnsbl::link_domains(msg, req.data, psl);
    if (!ip_lists.empty() || !links.empty())
        dnsbl::check(req.client_ip, ip_lists, links, uri_lists, dns, v);
    return out;
}

}  // namespace magpie::filter
