// SPF (RFC 7208): check_host() for the client IP against the MAIL FROM domain (or the
// HELO name for the null sender), with the RFC's DNS lookup limits, macros and exp=.
// Pure: DNS goes through the caller's DnsLookup.
#pragma once
#include <string>
#include <string_view>

#include "filter/dns_lookup.h"

namespace magpie::filter::spf {

enum class Result { None, Neutral, Pass, Fail, SoftFail, TempError, PermError };
std::string_view result_name(Result r);  // "none", "neutral", "pass", "fail", "softfail",
                                         // "temperror", "permerror" (RFC 7208 §2.6, RFC 8601)

struct Outcome {
    Result result = Result::None;
    std::string domain;       // the domain checked (MAIL FROM's, or HELO's for <>)
    std::string identity;     // "mailfrom" or "helo"
    std::string mechanism;    // the matching mechanism as written ("ip4:192.0.2.0/24"), or ""
    std::string explanation;  // for Fail: the expanded exp= text, else ""
    std::string problem;      // for PermError/TempError: why
};

struct Request {
    std::string ip;          // client address, IPv4 dotted or IPv6 text
    std::string sender;      // envelope MAIL FROM ("" for <>)
    std::string helo;        // HELO/EHLO argument
    std::string receiver;    // our host name, for the %{r} macro
};

// RFC 7208 §2.3/§2.4: checks MAIL FROM's domain; with a null sender it checks the HELO
// identity ("postmaster@" + helo). A HELO that is not a domain name gives None.
// Limits (§4.6.4): 10 DNS-querying terms, 2 void lookups, 10 MX / 10 PTR names each.
Outcome check(const Request& req, const DnsLookup& dns);

}  // namespace magpie::filter::spf
