// The filter's DNS-based checks run as one step of the score: SPF (RFC 7208), DKIM
// verification (RFC 6376), DMARC (RFC 7489) and the DNS blocklists of the client IP and of
// the message's links. Each adds its rule hits and its RFC 8601 result to the verdict.
#pragma once
#include <string>

#include "filter/dns_lookup.h"
#include "filter/public_suffix.h"
#include "filter/verdict.h"
#include "mime/parser.h"
#include "store/settings.h"

namespace magpie::filter {

struct ScanRequest;

struct NetworkOutcome {
    // DMARC failed under p=reject / p=quarantine (pct sampling applied) for this domain.
    bool dmarc_reject = false;
    bool dmarc_quarantine = false;
    std::string dmarc_domain;
};

// SPF, DKIM and DMARC when spf_dkim_dmarc_checks is on, for mail from unauthenticated
// clients (authenticated submission has no SPF to check); the blocklists of dnsbl_lists
// and uribl_lists. `random_percent` (0..99) samples DMARC pct=.
NetworkOutcome run_network_checks(const ScanRequest& req, const mime::Message& msg,
                                  const store::Settings& s, const DnsLookup& dns,
                                  const PublicSuffixList& psl, unsigned random_percent, Verdict& v);

}  // namespace magpie::filter
