// The filter's result for one message: the rules that fired with their scores, the total,
// and the action the thresholds give. Shared by every check (antispam rules, Bayes, DNSBL,
// SPF/DKIM/DMARC, antivirus, attachments) and by the SMTP server that acts on it.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace magpie::filter {

struct RuleHit {
    std::string name;    // upper-case symbol, e.g. "MISSING_DATE", "BAYES_SPAM"
    double score = 0;    // added to the message's total
    std::string detail;  // optional, e.g. the DNSBL zone or the virus name
};

enum class Action {
    Accept,
    Greylist,    // 451 4.7.1 try again later
    Flag,        // accept with X-Spam: Yes (and subject prefix, Junk delivery)
    Quarantine,  // accept into the quarantine mailbox
    Reject,      // 554 5.7.1
    Defer,       // 451 4.7.1: a check could not run (virus scanner unavailable)
};

struct Verdict {
    Action action = Action::Accept;
    double score = 0;
    std::vector<RuleHit> hits;
    std::string reject_text;  // for Reject: the SMTP reply text (virus name, blocked type...)
    bool bypassed = false;    // a bypass rule skipped every check
    bool spam_scored = false;  // the antispam score was computed (X-Spam-Status is added)
    std::string av;            // "clean", or "unscanned" (no signatures); empty: not asked
    bool gtube = false;        // a GTUBE pattern decided
    std::optional<double> bayes_probability;  // when the Bayes classifier gave one
    bool bayes_ran = false;                   // the classifier was asked (active or not)
    // RFC 8601 resinfo entries for the Authentication-Results header the server adds,
    // e.g. "spf=pass smtp.mailfrom=example.org", "dkim=pass header.d=example.org".
    std::vector<std::string> auth_results;

    void add(std::string name, double score, std::string detail = {});
    // "MISSING_DATE(1.00), BAYES_SPAM(5.10){0.99}" — the per-message rule list, Rspamd style.
    std::string symbols() const;
    // The rest of the maillog line: ", bayes=0.999871" (or "bayes=inactive" when the
    // classifier ran without an opinion), ", av=clean" or ", av=unscanned" when the virus scanner
    // was asked; empty when neither applies.
    std::string explain() const;
    // Value of the X-Spam-Status header: "Yes, score=7.20 required=6.00 tests=[...]".
    std::string status_header(double required) const;
};

}  // namespace magpie::filter
