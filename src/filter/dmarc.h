// DMARC (RFC 7489): the policy record at _dmarc.<domain> (or the organizational domain's),
// identifier alignment of the SPF and DKIM results with the RFC5322.From domain, and the
// resulting disposition. Pure: DNS goes through the caller's DnsLookup.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/dns_lookup.h"
#include "filter/public_suffix.h"

namespace magpie::filter::dmarc {

enum class Policy { None, Quarantine, Reject };

struct Record {
    Policy p = Policy::None;
    std::optional<Policy> sp;  // subdomain policy
    bool strict_dkim = false;  // adkim=s
    bool strict_spf = false;   // aspf=s
    int pct = 100;
    std::vector<std::string> rua, ruf;
};

// nullopt on a record that is not DMARC1 or lacks a valid p= (§6.3: ignored).
std::optional<Record> parse_record(std::string_view txt);

enum class Result { None, Pass, Fail, TempError, PermError };
std::string_view result_name(Result r);  // "none", "pass", "fail", "temperror", "permerror"

struct Input {
    std::string from_domain;  // RFC5322.From's domain, lower case ("" when absent/several)
    // SPF: the domain checked and whether it passed.
    std::string spf_domain;
    bool spf_pass = false;
    // DKIM: the d= of every signature that passed.
    std::vector<std::string> dkim_pass_domains;
};

struct Outcome {
    Result result = Result::None;
    Policy policy = Policy::None;      // the policy that applies (p=, or sp= for a subdomain)
    std::string policy_domain;         // where the record was found
    bool spf_aligned = false;
    bool dkim_aligned = false;
    bool sampled_out = false;          // pct< 100 and this message fell outside it
};

// §6.6.3 record discovery (the From domain, then its organizational domain) and §3.1
// alignment (relaxed: same organizational domain; strict: equal).
Outcome evaluate(const Input& in, const DnsLookup& dns, const PublicSuffixList& psl,
                 unsigned random_percent /* 0..99, for pct= */);

}  // namespace magpie::filter::dmarc
