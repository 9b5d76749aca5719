// The filter pipeline run at the end of DATA/BDAT (docs/filter.md): bypass rules, allow
// and block lists, attachment blocking, antivirus, then the antispam score (GTUBE,
// heuristics, Bayes and the other checks plugged in) and the action its thresholds give.
// Pure apart from the checks it is handed; the SMTP server runs it on the blocking pool.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/antivirus_result.h"
#include "filter/dns_lookup.h"
#include "filter/greylist.h"
#include "filter/public_suffix.h"
#include "filter/verdict.h"
#include "mime/parser.h"
#include "store/settings.h"

namespace magpie::filter {

struct ScanRequest {
    std::string_view data;  // the message as it will be queued (our Received line first)
    std::string client_ip;
    std::string sender;  // envelope, "" for <>
    std::vector<std::string> recipients;
    bool relay_client = false;   // in relay_from: exempt like a bypass
    std::string hostname;        // ours
    std::string helo;            // the client's HELO/EHLO name, for SPF
    bool authenticated = false;  // submitted with SMTP AUTH: no SPF, DMARC or DNSBL checks
    int64_t now = 0;
};

// Engines the server plugs in; any may be empty.
struct Checks {
    // A reason when an attachment's type is blocked; empty: the built-in check
    // (attachments.h) with the filter_block_* settings.
    std::function<std::optional<std::string>(const mime::Message&, std::string_view data)>
        attachments;
    // The virus scanner (antivirus.h), used when antivirus_enabled is on.
    std::function<ScanResult(std::string_view data)> antivirus;
    // Adds score rules (Bayes, DNSBL, SPF/DKIM/DMARC...).
    std::vector<std::function<void(const ScanRequest&, const mime::Message&, Verdict&)>> scorers;
    // Called with the complete score, before the thresholds act (Bayes autolearn); may add
    // a zero-score hit saying what it did.
    std::function<void(const ScanRequest&, const store::Settings&, Verdict&)> after;
    Greylist* greylist = nullptr;
    // A DNS lookup for one message's checks (its deadline starts at the call): SPF, DKIM,
    // DMARC, DNSBL and URIBL run only when set (network_checks.h).
    std::function<DnsLookup()> dns;
    const PublicSuffixList* psl = nullptr;  // nullptr: the system list
};

Verdict scan(const ScanRequest& req, const store::Settings& s, const Checks& checks);

}  // namespace magpie::filter
