// SPF check_host() (RFC 7208 §2-§6): record lookup and selection, mechanism evaluation,
// include/redirect recursion, exp= explanations and the %{p} PTR validation, all over the
// caller's DnsLookup. Limits (§4.6.4): kMaxDnsTerms DNS-querying terms and kMaxVoidLookups
// void lookups per check, kMaxMxNames MX names (more is PermError) and kMaxPtrNames PTR
// names (the rest ignored) per term; query names are cut to kMaxDomainLength (§4.8).
#include "filter/spf.h"

#include <ctime>
#include <optional>

#include "core/cidr.h"
#include "core/strings.h"
#include "filter/spf_macro.h"
#include "filter/spf_record.h"

namespace magpie::filter::spf {

namespace {

constexpr int kMaxDnsTerms = 10;          // include a mx ptr exists redirect (§4.6.4)
constexpr int kMaxVoidLookups = 2;        // NXDOMAIN or empty answers (§4.6.4)
constexpr size_t kMaxMxNames = 10;        // MX names per "mx" term (§4.6.4)
constexpr size_t kMaxPtrNames = 10;       // PTR names validated per lookup (§4.6.4)
constexpr size_t kMaxDomainLength = 253;  // RFC 1035 text form, no trailing dot (§4.8)
constexpr size_t kMaxLabelLength = 63;    // RFC 1035 §2.3.4

using Status = DnsReply::Status;

bool is_dns_error(Status s) {
    return s == Status::TempFail || s == Status::PermFail;
}

bool is_void(const DnsReply& r) {
    return r.status == Status::NxDomain || r.status == Status::NoData ||
           (r.status == Status::Ok && r.records.empty());
}

bool is_ldh_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

// Labels of 1..63 characters, at most 253 in all; `ldh` also limits the characters to
// letters, digits, "-" and "_"; `multi` asks for two labels or more (§4.3).
bool labels_ok(std::string_view name, bool ldh, bool multi) {
    if (name.empty() || name.size() > kMaxDomainLength) return false;
    size_t labels = 0, start = 0;
    for (size_t i = 0; i <= name.size(); ++i) {
        if (i < name.size() && name[i] != '.') {
            if (ldh && !is_ldh_char(name[i])) return false;
            continue;
        }
        size_t len = i - start;
        if (len == 0 || len > kMaxLabelLength) return false;
        ++labels;
        start = i + 1;
    }
    return !multi || labels >= 2;
}

std::string strip_dot(std::string s) {
    if (s.ends_with('.')) s.pop_back();
    return s;
}

// RFC 7208 §4.8: a trailing dot is dropped and a name longer than 253 characters loses
// labels on the left until it fits. nullopt when no DNS query can be made of it.
std::optional<std::string> query_name(std::string name) {
    name = strip_dot(std::move(name));
    while (name.size() > kMaxDomainLength) {
        auto dot = name.find('.');
        if (dot == std::string::npos) return std::nullopt;
        name.erase(0, dot + 1);
    }
    if (!labels_ok(name, false, false)) return std::nullopt;
    return name;
}

bool is_subdomain_or_same(std::string_view name, std::string_view of) {
    if (iequals(name, of)) return true;
    return name.size() > of.size() && name[name.size() - of.size() - 1] == '.' &&
           iequals(name.substr(name.size() - of.size()), of);
}

Result qualifier_result(Qualifier q) {
    switch (q) {
        case Qualifier::Pass:
            return Result::Pass;
        case Qualifier::Fail:
            return Result::Fail;
        case Qualifier::SoftFail:
            return Result::SoftFail;
        case Qualifier::Neutral:
            return Result::Neutral;
    }
    return Result::Neutral;
}

struct HostResult {
    Result result = Result::None;
    std::string mechanism;
    std::string explanation;
    std::string problem;
};

struct Step {
    enum Kind { NoMatch, Match, TempError, PermError } kind = NoMatch;
    std::string problem;
};

Step matched(bool yes) {
    return {yes ? Step::Match : Step::NoMatch, {}};
}
Step temp_error(std::string why) {
    return {Step::TempError, std::move(why)};
}
Step perm_error(std::string why) {
    return {Step::PermError, std::move(why)};
}

// The validated names of the client address (§5.5), looked up once per check.
struct PtrNames {
    Status status = Status::TempFail;  // of the PTR query
    std::vector<std::string> validated;
};

class Evaluator {
  public:
    Evaluator(const DnsLookup& dns, IpAddr ip, std::string local, std::string sender_domain,
              std::string helo, std::string receiver)
        : dns_(dns),
          ip_(ip),
          local_(std::move(local)),
          sender_domain_(std::move(sender_domain)),
          helo_(std::move(helo)),
          receiver_(std::move(receiver)) {}

    HostResult check_host(const std::string& domain, bool use_exp);

  private:
    std::vector<DnsReply> lookup(const std::vector<DnsQuery>& queries) const;
    DnsReply lookup(std::string name, DnsType type) const;
    DnsType address_type() const { return ip_.v4 ? DnsType::A : DnsType::AAAA; }
    bool has_client_address(const DnsReply& r, int cidr4, int cidr6) const;

    Step evaluate(const Mechanism& m, const std::string& domain);
    Step evaluate_mx(const std::string& target, const Mechanism& m);
    Step evaluate_ptr(const std::string& target);
    Step count_void(const DnsReply& r);

    std::optional<std::string> target_name(const MacroString& spec, const std::string& domain);
    std::string macro_value(char letter, const std::string& domain);
    std::string explain(const MacroString& spec, const std::string& domain);
    const PtrNames& ptr_names();
    std::string reverse_name() const;
    std::string ip_macro() const;

    const DnsLookup& dns_;
    IpAddr ip_;
    std::string local_, sender_domain_, helo_, receiver_;
    int dns_terms_ = 0;
    int void_lookups_ = 0;
    std::optional<PtrNames> ptr_;
};

std::vector<DnsReply> Evaluator::lookup(const std::vector<DnsQuery>& queries) const {
    std::vector<DnsReply> replies;
    if (queries.empty()) return replies;
    if (dns_) replies = dns_(queries);
    replies.resize(queries.size());  // a query left without a reply counts as TempFail
    return replies;
}

DnsReply Evaluator::lookup(std::string name, DnsType type) const {
    return lookup(std::vector<DnsQuery>{{std::move(name), type}}).front();
}

// Whether an A/AAAA answer holds an address of the client's network at the CIDR lengths.
bool Evaluator::has_client_address(const DnsReply& r, int cidr4, int cidr6) const {
    if (r.status != Status::Ok) return false;
    for (const auto& rec : r.records) {
        auto a = IpAddr::parse(rec);
        if (!a || a->v4 != ip_.v4) continue;
        if (Cidr{*a, ip_.v4 ? 96 + cidr4 : cidr6}.contains(ip_)) return true;
    }
    return false;
}

HostResult Evaluator::check_host(const std::string& domain, bool use_exp) {
    HostResult r;
    // RFC 7208 §4.3: a malformed or single-label domain gives "none".
    if (!labels_ok(domain, false, true)) return r;
    // RFC 7208 §4.4: the TXT lookup; a DNS error is "temperror", no record "none".
    DnsReply reply = lookup(domain, DnsType::TXT);
    if (is_dns_error(reply.status)) {
        r.result = Result::TempError;
        r.problem = "DNS error looking up the SPF record of " + domain;
        return r;
    }
    // RFC 7208 §4.5: exactly one record starting "v=spf1".
    const std::string* txt = nullptr;
    int records = 0;
    if (reply.status == Status::Ok) {
        for (const auto& t : reply.records) {
            if (is_spf_record(t)) {
                txt = &t;
                ++records;
            }
        }
    }
    if (records == 0) return r;
    if (records > 1) {
        r.result = Result::PermError;
        r.problem = "more than one SPF record at " + domain;
        return r;
    }
    std::string why;
    auto rec = parse_record(*txt, &why);
    if (!rec) {
        r.result = Result::PermError;
        r.problem = domain + ": " + why;
        return r;
    }

    // RFC 7208 §4.6.2: mechanisms left to right; the first match decides.
    for (const auto& m : rec->mechanisms) {
        Step s = evaluate(m, domain);
        if (s.kind == Step::NoMatch) continue;
        if (s.kind != Step::Match) {
            r.result = s.kind == Step::TempError ? Result::TempError : Result::PermError;
            r.problem = std::move(s.problem);
            return r;
        }
        r.result = qualifier_result(m.qualifier);
        r.mechanism = m.text;
        // RFC 7208 §6.2: exp= gives the explanation of a "fail".
        if (r.result == Result::Fail && use_exp && rec->exp)
            r.explanation = explain(*rec->exp, domain);
        return r;
    }

    // RFC 7208 §6.1: redirect= when nothing matched (and there is no "all", §5.1).
    if (rec->redirect && !rec->has_all) {
        if (++dns_terms_ > kMaxDnsTerms) {
            r.result = Result::PermError;
            r.problem = "more than " + std::to_string(kMaxDnsTerms) + " DNS-querying terms";
            return r;
        }
        auto target = target_name(*rec->redirect, domain);
        HostResult sub;
        // An exp= of this record is not used; the target's own is (§6.2).
        if (target) sub = check_host(*target, use_exp);
        if (sub.result == Result::None) {
            sub.result = Result::PermError;
            sub.problem = "redirect=" + target.value_or("(invalid)") + " has no SPF record";
        }
        return sub;
    }
    r.result = Result::Neutral;  // §4.7: the default result
    return r;
}

Step Evaluator::count_void(const DnsReply& r) {
    if (!is_void(r)) return {};
    // RFC 7208 §4.6.4: more than two void lookups is "permerror".
    if (++void_lookups_ > kMaxVoidLookups)
        return perm_error("more than " + std::to_string(kMaxVoidLookups) + " void DNS lookups");
    return {};
}

Step Evaluator::evaluate(const Mechanism& m, const std::string& domain) {
    switch (m.kind) {
        case MechanismKind::All:
            return matched(true);
        case MechanismKind::Ip4:  // §5.6: ip4 matches IPv4 clients only (also v4-mapped)
            return matched(ip_.v4 && Cidr{m.network, 96 + m.cidr4}.contains(ip_));
        case MechanismKind::Ip6:
            return matched(!ip_.v4 && Cidr{m.network, m.cidr6}.contains(ip_));
        default:
            break;
    }
    // RFC 7208 §4.6.4: the terms that query DNS count against the limit.
    if (++dns_terms_ > kMaxDnsTerms)
        return perm_error("more than " + std::to_string(kMaxDnsTerms) + " DNS-querying terms");
    std::optional<std::string> target = domain;
    if (m.domain) target = target_name(*m.domain, domain);
    if (!target) {
        // A name no query can be made of: an included check_host() would give "none",
        // which include turns into "permerror"; the other mechanisms do not match.
        if (m.kind == MechanismKind::Include)
            return perm_error("include of an invalid domain in \"" + m.text + "\"");
        return {};
    }

    switch (m.kind) {
        case MechanismKind::Include: {  // §5.2: the recursive result decides the match
            HostResult sub = check_host(*target, false);
            switch (sub.result) {
                case Result::Pass:
                    return matched(true);
                case Result::Fail:
                case Result::SoftFail:
                case Result::Neutral:
                    return {};
                case Result::TempError:
                    return temp_error(std::move(sub.problem));
                case Result::PermError:
                    return perm_error(std::move(sub.problem));
                case Result::None:
                    return perm_error("include:" + *target + " has no SPF record");
            }
            return {};
        }
        case MechanismKind::A: {  // §5.3
            DnsReply r = lookup(*target, address_type());
            if (is_dns_error(r.status)) return temp_error("DNS error looking up " + *target);
            if (Step v = count_void(r); v.kind != Step::NoMatch) return v;
            return matched(has_client_address(r, m.cidr4, m.cidr6));
        }
        case MechanismKind::Mx:
            return evaluate_mx(*target, m);
        case MechanismKind::Ptr:
            return evaluate_ptr(*target);
        case MechanismKind::Exists: {  // §5.7: any A record, whatever the client's family
            DnsReply r = lookup(*target, DnsType::A);
            if (is_dns_error(r.status)) return temp_error("DNS error looking up " + *target);
            if (Step v = count_void(r); v.kind != Step::NoMatch) return v;
            return matched(!is_void(r));
        }
        default:
            return {};
    }
}

// RFC 7208 §5.4: the addresses of the target's MX hosts, looked up together. No implicit
// MX: a name without MX records does not match.
Step Evaluator::evaluate_mx(const std::string& target, const Mechanism& m) {
    DnsReply mx = lookup(target, DnsType::MX);
    if (is_dns_error(mx.status)) return temp_error("DNS error looking up the MX of " + target);
    if (Step v = count_void(mx); v.kind != Step::NoMatch) return v;
    if (mx.status != Status::Ok) return {};
    // RFC 7208 §4.6.4: more than 10 MX names is "permerror".
    if (mx.records.size() > kMaxMxNames)
        return perm_error("more than " + std::to_string(kMaxMxNames) + " MX names at " + target);
    std::vector<DnsQuery> queries;
    for (const auto& host : mx.records) {
        auto name = query_name(host);  // "" or "." is a null MX (RFC 7505): no host
        if (name) queries.push_back({*name, address_type()});
    }
    auto replies = lookup(queries);
    // In MX order, as if looked up one by one: a match before any DNS error counts.
    for (size_t i = 0; i < replies.size(); ++i) {
        if (is_dns_error(replies[i].status))
            return temp_error("DNS error looking up MX host " + queries[i].name);
        if (has_client_address(replies[i], m.cidr4, m.cidr6)) return matched(true);
    }
    return {};
}

// RFC 7208 §5.5: a validated name of the client equal to the target or under it. DNS errors
// make the mechanism not match rather than fail the check.
Step Evaluator::evaluate_ptr(const std::string& target) {
    const PtrNames& p = ptr_names();
    if (p.status == Status::NxDomain || p.status == Status::NoData) {
        DnsReply none;
        none.status = p.status;
        if (Step v = count_void(none); v.kind != Step::NoMatch) return v;
    }
    for (const auto& name : p.validated)
        if (is_subdomain_or_same(name, target)) return matched(true);
    return {};
}

const PtrNames& Evaluator::ptr_names() {
    if (ptr_) return *ptr_;
    PtrNames p;
    DnsReply reply = lookup(reverse_name(), DnsType::PTR);
    p.status = reply.status;
    if (reply.status == Status::Ok && reply.records.empty()) p.status = Status::NoData;
    if (reply.status == Status::Ok) {
        // RFC 7208 §4.6.4: only the first 10 names are looked at.
        std::vector<DnsQuery> queries;
        for (const auto& rec : reply.records) {
            if (queries.size() == kMaxPtrNames) break;
            auto name = query_name(to_lower(rec));
            if (name) queries.push_back({*name, address_type()});
        }
        auto replies = lookup(queries);
        for (size_t i = 0; i < replies.size(); ++i) {
            if (replies[i].status != Status::Ok) continue;  // errors skip the name (§5.5)
            for (const auto& rec : replies[i].records) {
                auto a = IpAddr::parse(rec);
                if (a && a->v4 == ip_.v4 && a->bytes == ip_.bytes) {
                    p.validated.push_back(queries[i].name);
                    break;
                }
            }
        }
    }
    ptr_ = std::move(p);
    return *ptr_;
}

std::string Evaluator::reverse_name() const {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    if (ip_.v4) {
        for (int i = 15; i >= 12; --i) out += std::to_string(ip_.bytes[i]) + ".";
        return out + "in-addr.arpa";
    }
    for (int i = 15; i >= 0; --i) {
        out += hex[ip_.bytes[i] & 15];
        out += '.';
        out += hex[ip_.bytes[i] >> 4];
        out += '.';
    }
    return out + "ip6.arpa";
}

// RFC 7208 §7.3: "i" is the dotted quad, or for IPv6 the 32 nibbles separated by dots.
std::string Evaluator::ip_macro() const {
    if (ip_.v4) return ip_.str();
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 16; ++i) {
        if (i) out += '.';
        out += hex[ip_.bytes[i] >> 4];
        out += '.';
        out += hex[ip_.bytes[i] & 15];
    }
    return out;
}

std::string Evaluator::macro_value(char letter, const std::string& domain) {
    switch (letter) {  // RFC 7208 §7.2
        case 's':
            return local_ + "@" + sender_domain_;
        case 'l':
            return local_;
        case 'o':
            return sender_domain_;
        case 'd':
            return domain;
        case 'i':
            return ip_macro();
        case 'p': {  // §7.3: the target or a subdomain of it first, else any, else "unknown"
            const auto& names = ptr_names().validated;
            for (const auto& n : names)
                if (iequals(n, domain)) return n;
            for (const auto& n : names)
                if (is_subdomain_or_same(n, domain)) return n;
            return names.empty() ? "unknown" : names.front();
        }
        case 'v':
            return ip_.v4 ? "in-addr" : "ip6";
        case 'h':
            return helo_;
        case 'c':
            return ip_.str();
        case 'r':
            return receiver_.empty() ? "unknown" : receiver_;
        case 't':
            return std::to_string(static_cast<long long>(std::time(nullptr)));
        default:
            return "";
    }
}

std::optional<std::string> Evaluator::target_name(const MacroString& spec,
                                                  const std::string& domain) {
    return query_name(expand(spec, [&](char c) { return macro_value(c, domain); }));
}

// RFC 7208 §6.2: one TXT record at the expanded exp= name, expanded in turn. Any DNS error,
// missing or extra record, or syntax error means no explanation. Not counted in the limits.
std::string Evaluator::explain(const MacroString& spec, const std::string& domain) {
    auto name = target_name(spec, domain);
    if (!name) return "";
    DnsReply reply = lookup(*name, DnsType::TXT);
    if (reply.status != Status::Ok || reply.records.size() != 1) return "";
    auto text = parse_macro_string(reply.records.front(), MacroContext::Explanation, nullptr);
    if (!text) return "";
    return expand(*text, [&](char c) { return macro_value(c, domain); });
}

}  // namespace

std::string_view result_name(Result r) {
    switch (r) {
        case Result::None:
            return "none";
        case Result::Neutral:
            return "neutral";
        case Result::Pass:
            return "pass";
        case Result::Fail:
            return "fail";
        case Result::SoftFail:
            return "softfail";
        case Result::TempError:
            return "temperror";
        case Result::PermError:
            return "permerror";
    }
    return "none";
}

Outcome check(const Request& req, const DnsLookup& dns) {
    Outcome out;
    std::string local, domain;
    if (req.sender.empty()) {
        // RFC 7208 §2.4: the null sender is checked as "postmaster@" + HELO.
        out.identity = "helo";
        domain = req.helo;
    } else {
        out.identity = "mailfrom";
        auto at = req.sender.rfind('@');
        if (at == std::string::npos) {
            domain = req.sender;
        } else {
            local = req.sender.substr(0, at);
            domain = req.sender.substr(at + 1);
        }
    }
    if (local.empty()) local = "postmaster";  // §4.3
    domain = strip_dot(to_lower(domain));
    out.domain = domain;

    // RFC 7208 §4.3: not a multi-label domain name (an address literal, a bare word): none.
    if (!labels_ok(domain, true, true)) return out;
    auto ip = IpAddr::parse(req.ip);  // a v4-mapped IPv6 address is IPv4 (§5, note 2)
    if (!ip) return out;

    Evaluator ev(dns, *ip, local, domain, req.helo, req.receiver);
    HostResult r = ev.check_host(domain, true);
    out.result = r.result;
    out.mechanism = std::move(r.mechanism);
    out.explanation = std::move(r.explanation);
    out.problem = std::move(r.problem);
    return out;
}

}  // namespace magpie::filter::spf
