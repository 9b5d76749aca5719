// The order of the filter's decisions and the thresholds.
#include "filter/pipeline.h"

#include <fmt/format.h>

#include <random>

#include "core/cidr.h"
#include "filter/attachments.h"
#include "filter/lists.h"
#include "filter/network_checks.h"
#include "filter/rules.h"

namespace magpie::filter {

namespace {

bool any_recipient(const std::vector<std::string>& rcpts, std::string_view list, DomainMatch how) {
    for (const auto& r : rcpts) {
        if (list_matches(list, r, how)) return true;
    }
    return false;
}

unsigned random_percent() {
    thread_local std::minstd_rand gen{std::random_device{}()};
    return static_cast<unsigned>(gen() % 100);
}

}  // namespace

Verdict scan(const ScanRequest& req, const store::Settings& s, const Checks& checks) {
    Verdict v;
    auto ip = IpAddr::parse(req.client_ip);
    if (req.relay_client || (ip && s.filter_bypass_ips.contains(*ip)) ||
        list_matches(s.filter_bypass_senders, req.sender, DomainMatch::Exact) ||
        any_recipient(req.recipients, s.filter_bypass_recipients, DomainMatch::Exact)) {
        v.bypassed = true;
        return v;
    }
    // Allow lists skip antispam and antivirus, never attachment blocking (docs/filter.md).
    bool allowed = list_matches(s.filter_allow_from, req.sender, DomainMatch::WithSubdomains) ||
                   any_recipient(req.recipients, s.filter_allow_to, DomainMatch::WithSubdomains);
    if (!allowed && list_matches(s.filter_block_from, req.sender, DomainMatch::WithSubdomains)) {
        v.add("BLOCKLIST", 0);
        v.action = Action::Reject;
        v.reject_text = "Sender address rejected: blocked by policy";
        return v;
    }

    mime::Message msg = mime::parse_message(req.data);
    auto why = checks.attachments ? checks.attachments(msg, req.data)
                                  : blocked_attachment(msg, AttachmentPolicy::from_settings(s));
    if (why) {
        v.add("BLOCKED_ATTACHMENT", 0, *why);
        v.action = Action::Reject;
        v.reject_text = "Message rejected: " + *why;
        return v;
    }
    if (checks.antivirus && s.antivirus_enabled && !allowed) {
        ScanResult r = checks.antivirus(req.data);
        if (r.status == ScanResult::Status::Infected) {
            v.add("VIRUS", 0, r.detail);
            v.action = Action::Reject;
            v.reject_text = "Message rejected: virus found: " + r.detail;
            return v;
        }
        if (r.status == ScanResult::Status::Failed) {
            v.add("AV_FAIL", 0, r.detail);
            v.action = Action::Defer;
            v.reject_text = "Virus scan unavailable, please try again later";
            return v;
        }
        v.av = r.status == ScanResult::Status::Clean ? "clean" : "unscanned";
    }
    if (!s.antispam_enabled) return v;

    // GTUBE decides before anything else, as in Rspamd (where the pattern is found while the
    // message is parsed, before any module or allow list runs): the standard pattern is
    // rejected whatever the thresholds, the quarantine or the allow lists say.
    switch (find_gtube(req.data, msg, gtube_policy(s.gtube_patterns))) {
        case GtubeKind::None:
            break;
        case GtubeKind::Reject:
            v.add("GTUBE", std::max(1000.0, s.spam_reject_threshold));
            v.action = Action::Reject;
            v.reject_text = "Message rejected as spam (GTUBE test pattern)";
            v.gtube = true;
            return v;
        case GtubeKind::AddHeader:
        case GtubeKind::RewriteSubject:
            v.add("GTUBE", s.spam_flag_threshold, "flag");
            v.action = Action::Flag;
            v.gtube = true;
            return v;
        case GtubeKind::NoAction:
            v.add("GTUBE", 0, "no action");
            v.gtube = true;
            return v;
    }
    if (allowed) {
        v.add("ALLOWLIST", 0);
        return v;
    }

    v.spam_scored = true;
    run_heuristics(RuleContext{req.data, msg, req.sender, req.hostname, req.now}, v);
    NetworkOutcome net;
    if (checks.dns) {
        const PublicSuffixList& psl = checks.psl ? *checks.psl : PublicSuffixList::system();
        net = run_network_checks(req, msg, s, checks.dns(), psl, random_percent(), v);
    }
    for (const auto& scorer : checks.scorers) scorer(req, msg, v);
    if (checks.after) checks.after(req, s, v);
    // RFC 7489 §6.7: with dmarc_enforce, the From domain's policy is carried out.
    if (s.dmarc_enforce && net.dmarc_reject) {
        v.action = Action::Reject;
        v.reject_text = "Message rejected: DMARC policy of " + net.dmarc_domain + " says reject";
        return v;
    }
    if (s.dmarc_enforce && net.dmarc_quarantine && v.score < s.spam_reject_threshold) {
        v.action = Action::Flag;
        return v;
    }

    if (v.score >= s.spam_reject_threshold) {
        if (!s.spam_quarantine.empty()) {
            v.action = Action::Quarantine;
        } else {
            v.action = Action::Reject;
            v.reject_text = "Message rejected as spam";
        }
        return v;
    }
    if (s.spam_greylist_threshold > 0 && v.score >= s.spam_greylist_threshold && checks.greylist) {
        bool pass = true;
        for (const auto& r : req.recipients) {
            pass = checks.greylist->check(req.client_ip, req.sender, r, req.now, s.greylist_delay,
                                          s.greylist_expire) &&
                   pass;
        }
        if (!pass) {
            v.action = Action::Greylist;
            return v;
        }
    }
    if (v.score >= s.spam_flag_threshold) v.action = Action::Flag;
    return v;
}

}  // namespace magpie::filter
