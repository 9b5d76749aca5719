// Filter pipeline: list matching, greylist triplets, heuristics and the threshold actions.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "filter/greylist.h"
#include "filter/lists.h"
#include "filter/pipeline.h"
#include "filter/rules.h"

using namespace magpie;
using namespace magpie::filter;

namespace {

const std::string kClean =
    "Received: from x by mx.test with ESMTP\r\nFrom: A <a@remote.example>\r\nTo: b@example.com\r\n"
    "Subject: hello\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@remote.example>\r\n\r\nhi\r\n";

ScanRequest request(const std::string& data, std::string sender = "a@remote.example") {
    ScanRequest r;
    r.data = data;
    r.client_ip = "192.0.2.10";
    r.sender = std::move(sender);
    r.recipients = {"b@example.com"};
    r.hostname = "mx.test";
    r.now = 1000000;
    return r;
}

bool has(const Verdict& v, std::string_view rule) {
    for (const auto& h : v.hits) {
        if (h.name == rule) return true;
    }
    return false;
}

}  // namespace

TEST(FilterLists, AddressesAndDomains) {
    EXPECT_TRUE(list_matches("a@x.org, y.org", "A@X.ORG", DomainMatch::Exact));
    EXPECT_TRUE(list_matches("a@x.org, y.org", "z@y.org", DomainMatch::Exact));
    EXPECT_FALSE(list_matches("a@x.org, y.org", "z@sub.y.org", DomainMatch::Exact));
    EXPECT_TRUE(list_matches("y.org", "z@sub.y.org", DomainMatch::WithSubdomains));
    EXPECT_FALSE(list_matches("y.org", "z@evily.org", DomainMatch::WithSubdomains));
    EXPECT_FALSE(list_matches("a@x.org", "b@x.org", DomainMatch::WithSubdomains));
    EXPECT_FALSE(list_matches("", "b@x.org", DomainMatch::WithSubdomains));
    EXPECT_FALSE(list_matches("x.org", "", DomainMatch::WithSubdomains));
}

TEST(FilterGreylist, DefersFirstThenPassesAfterDelayAndRemembers) {
    Greylist g;
    EXPECT_FALSE(g.check("192.0.2.1", "s@x", "r@y", 100, 300, 1000));
    EXPECT_FALSE(g.check("192.0.2.2", "s@x", "r@y", 200, 300, 1000));  // same /24, too early
    EXPECT_TRUE(g.check("192.0.2.3", "s@x", "r@y", 401, 300, 1000));
    EXPECT_TRUE(g.check("192.0.2.3", "S@X", "r@y", 402, 300, 1000));  // known now, any case
    EXPECT_FALSE(g.check("198.51.100.1", "s@x", "r@y", 403, 300, 1000));  // other network
    EXPECT_FALSE(g.check("192.0.2.3", "s@x", "r@y", 402 + 1001, 300, 1000));  // expired
    EXPECT_EQ(greylist_network("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
    EXPECT_EQ(greylist_network("192.0.2.77"), "192.0.2.0/24");
}

TEST(FilterGreylist, TableIsBounded) {
    Greylist g("", 2);
    EXPECT_FALSE(g.check("192.0.2.1", "a@x", "r@y", 100, 10, 1000));
    EXPECT_TRUE(g.check("192.0.2.1", "a@x", "r@y", 200, 10, 1000));  // passed: kept
    EXPECT_FALSE(g.check("192.0.2.1", "b@x", "r@y", 200, 10, 1000));
    EXPECT_FALSE(g.check("192.0.2.1", "c@x", "r@y", 200, 10, 1000));  // full: b dropped
    EXPECT_EQ(g.size(), 2u);
    EXPECT_TRUE(g.check("192.0.2.1", "a@x", "r@y", 300, 10, 1000));
    EXPECT_FALSE(g.check("192.0.2.1", "d@x", "r@y", 300, 10, 1000));  // c dropped, d recorded
    EXPECT_EQ(g.size(), 2u);

    Greylist full("", 1);  // only passed triplets: a new one passes unrecorded
    full.check("192.0.2.1", "a@x", "r@y", 100, 10, 1000);
    EXPECT_TRUE(full.check("192.0.2.1", "a@x", "r@y", 200, 10, 1000));
    EXPECT_TRUE(full.check("192.0.2.1", "new@x", "r@y", 200, 10, 1000));
    EXPECT_EQ(full.size(), 1u);
}

TEST(FilterGreylist, SavedTableSurvivesReopen) {
    auto dir = std::filesystem::temp_directory_path() / "magpie-greylist-test";
    std::filesystem::create_directories(dir);
    std::string path = (dir / "greylist").string();
    std::filesystem::remove(path);
    {
        Greylist g(path);
        g.check("192.0.2.1", "s@x", "r@y", 100, 10, 1000);
        EXPECT_TRUE(g.check("192.0.2.1", "s@x", "r@y", 200, 10, 1000));
        g.check("192.0.2.9", "old@x", "r@y", 100, 10, 1000);  // never retried: pruned later
        g.save(100 + 86401, 1000000);
    }
    Greylist again(path);
    EXPECT_EQ(again.size(), 1u);
    EXPECT_TRUE(again.check("192.0.2.1", "s@x", "r@y", 300, 10, 1000000));
    std::filesystem::remove_all(dir);
}

TEST(FilterPipeline, CleanMessageScoresNothing) {
    store::Settings s;
    Verdict v = scan(request(kClean), s, {});
    EXPECT_EQ(v.action, Action::Accept);
    EXPECT_EQ(v.score, 0) << v.symbols();
    EXPECT_FALSE(v.bypassed);
}

TEST(FilterPipeline, HeuristicsFire) {
    std::string sloppy =
        "From: x@elsewhere.example\r\nSubject: FREE MONEY FOR YOU NOW\r\nContent-Type: text/html\r\n\r\n"
        "<a href=\"http://203.0.113.9/x\">www.mybank.example</a>\r\n";
    store::Settings s;
    Verdict v = scan(request(sloppy), s, {});
    for (auto rule : {"MISSING_DATE", "MISSING_MID", "MISSING_TO", "FROM_NEQ_ENVFROM", "MIME_HTML_ONLY",
                      "SUBJ_ALL_CAPS", "HTTP_TO_IP", "PHISHING"}) {
        EXPECT_TRUE(has(v, rule)) << rule << " in " << v.symbols();
    }
    EXPECT_FALSE(has(v, "MISSING_SUBJECT"));
    EXPECT_EQ(v.action, Action::Flag);
    EXPECT_NE(v.status_header(s.spam_flag_threshold).find("Yes, score="), std::string::npos);
}

TEST(FilterPipeline, FromEnvelopeMismatchUsesThePublicSuffixList) {
    auto with_from = [](const std::string& from) {
        std::string m = kClean;
        m.replace(m.find("From: A <a@remote.example>"), 26, "From: A <" + from + ">");
        return m;
    };
    store::Settings s;
    // Same organizational domain under a two-label public suffix: no mismatch.
    std::string same = with_from("news@mail.shop.co.uk");
    EXPECT_FALSE(has(scan(request(same, "bounce@shop.co.uk"), s, {}), "FROM_NEQ_ENVFROM"));
    // Different registrants of co.uk (the last two labels alone would call them equal).
    std::string other = with_from("a@other.co.uk");
    EXPECT_TRUE(has(scan(request(other, "bounce@shop.co.uk"), s, {}), "FROM_NEQ_ENVFROM"));
}

TEST(FilterPipeline, ForgedReceivedOfOurHost) {
    std::string m = "Received: from a by mx.test with ESMTP\r\nReceived: from b by mx.test\r\n" + kClean.substr(kClean.find("From:"));
    Verdict v = scan(request(m), store::Settings{}, {});
    EXPECT_TRUE(has(v, "FORGED_RCVD")) << v.symbols();
    EXPECT_FALSE(has(scan(request(kClean), store::Settings{}, {}), "FORGED_RCVD"));
}

// The GTUBE line of SpamAssassin's sample-spam.txt (Debian's spamassassin package), an
// independent copy of the pattern; empty when the package is not installed.
std::string sample_gtube() {
    std::ifstream in("/usr/share/doc/spamassassin/examples/sample-spam.txt");
    std::string line;
    while (std::getline(in, line)) {
        if (line.find("GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL") != std::string::npos) {
            while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
            return line;
        }
    }
    return {};
}

TEST(FilterGtube, TheStandardStringAndRspamdVariants) {
    std::string gtube = sample_gtube();
    if (gtube.empty()) GTEST_SKIP() << "spamassassin's sample-spam.txt is not installed";
    EXPECT_EQ(gtube, kGtube);
    auto find = [](const std::string& body, GtubePolicy p, const std::string& head = "") {
        std::string m = kClean.substr(0, kClean.find("\r\n\r\n") + 2) + head + "\r\n" + body;
        return find_gtube(m, mime::parse_message(m), p);
    };
    EXPECT_EQ(find("see " + gtube + "\r\n", GtubePolicy::Reject), GtubeKind::Reject);
    EXPECT_EQ(find("no pattern here\r\n", GtubePolicy::All), GtubeKind::None);
    EXPECT_EQ(find(gtube + "\r\n", GtubePolicy::Disabled), GtubeKind::None);
    std::string y = "Y" + gtube.substr(1), z = "Z" + gtube.substr(1), a = "A" + gtube.substr(1);
    // The variants count only with "all"; then the standard one still wins.
    EXPECT_EQ(find(y + "\r\n", GtubePolicy::Reject), GtubeKind::None);
    EXPECT_EQ(find(y + "\r\n", GtubePolicy::All), GtubeKind::AddHeader);
    EXPECT_EQ(find(z + "\r\n", GtubePolicy::All), GtubeKind::RewriteSubject);
    EXPECT_EQ(find(a + "\r\n", GtubePolicy::All), GtubeKind::NoAction);
    EXPECT_EQ(find(a + "\r\n" + gtube + "\r\n", GtubePolicy::All), GtubeKind::Reject);
    EXPECT_EQ(find("Q" + gtube.substr(1) + "\r\n", GtubePolicy::All), GtubeKind::None);
    // In a base64 text part the pattern is found once decoded.
    std::string b64 =
        "WEpTKkM0SkRCUUFETjEuTlNCTjMqMklETkVOKkdUVUJFLVNUQU5EQVJELUFOVEktVUJFLVRFU1QtRU1BSUwqQy4zNF"
        "g=";
    EXPECT_EQ(find(b64 + "\r\n", GtubePolicy::Reject, "Content-Transfer-Encoding: base64\r\n"),
              GtubeKind::Reject);
    EXPECT_EQ(gtube_policy("ALL"), GtubePolicy::All);
    EXPECT_EQ(gtube_policy("disabled"), GtubePolicy::Disabled);
    EXPECT_EQ(gtube_policy("reject"), GtubePolicy::Reject);
}

TEST(FilterPipeline, GtubeIsRejectedWhateverTheThresholdsQuarantineOrAllowList) {
    std::string gtube = sample_gtube();
    if (gtube.empty()) GTEST_SKIP() << "spamassassin's sample-spam.txt is not installed";
    std::string m = kClean + gtube + "\r\n";
    store::Settings s;
    s.spam_reject_threshold = 1e9;
    s.spam_quarantine = "quarantine";
    s.filter_allow_from = "remote.example";
    Verdict v = scan(request(m), s, {});
    EXPECT_EQ(v.action, Action::Reject) << v.symbols();
    EXPECT_TRUE(has(v, "GTUBE"));
    s.gtube_patterns = "disabled";
    EXPECT_EQ(scan(request(m), s, {}).action, Action::Accept);
    s = {};
    s.antispam_enabled = false;  // no antispam, no GTUBE
    EXPECT_EQ(scan(request(m), s, {}).action, Action::Accept);
    s = {};
    s.gtube_patterns = "all";
    std::string y = kClean + "Y" + gtube.substr(1) + "\r\n";
    Verdict flagged = scan(request(y), s, {});
    EXPECT_EQ(flagged.action, Action::Flag);
    EXPECT_EQ(scan(request(kClean + "A" + gtube.substr(1) + "\r\n"), s, {}).action, Action::Accept);
}

TEST(FilterPipeline, BypassAllowBlockOrder) {
    std::string sloppy = "From: a@remote.example\r\nTo: b@example.com\r\nSubject: s\r\n\r\nx\r\n";
    store::Settings s;
    s.spam_reject_threshold = 3;  // sloppy scores 3.5
    s.filter_block_from = "remote.example";
    EXPECT_EQ(scan(request(kClean), s, {}).action, Action::Reject);
    s.filter_allow_from = "remote.example";
    Verdict allowed = scan(request(sloppy), s, {});
    EXPECT_EQ(allowed.action, Action::Accept);
    EXPECT_TRUE(has(allowed, "ALLOWLIST"));
    EXPECT_FALSE(allowed.spam_scored);
    s = {};
    s.filter_bypass_recipients = "example.com";
    EXPECT_TRUE(scan(request(sloppy), s, {}).bypassed);
    s = {};
    s.filter_bypass_ips = *CidrList::parse("192.0.2.0/24");
    EXPECT_TRUE(scan(request(sloppy), s, {}).bypassed);
    s = {};
    auto r = request(sloppy);
    r.relay_client = true;
    EXPECT_TRUE(scan(r, s, {}).bypassed);
}

TEST(FilterPipeline, AllowListSkipsAntivirusAndAntispamButNotAttachmentBlocking) {
    store::Settings s;
    s.filter_allow_to = "example.com";
    Checks c;
    int av_calls = 0;
    c.antivirus = [&](std::string_view) {
        ++av_calls;
        return ScanResult{ScanResult::Status::Infected, "Eicar-Test-Signature"};
    };
    Verdict v = scan(request(kClean), s, c);
    EXPECT_EQ(v.action, Action::Accept) << v.symbols();
    EXPECT_EQ(av_calls, 0);
    c.attachments = [](const mime::Message&, std::string_view) {
        return std::optional<std::string>("executable");
    };
    v = scan(request(kClean), s, c);
    EXPECT_EQ(v.action, Action::Reject);
    EXPECT_TRUE(has(v, "BLOCKED_ATTACHMENT"));
}

TEST(FilterPipeline, AntispamSwitchLeavesAttachmentsAndAntivirus) {
    std::string sloppy = "From: a@remote.example\r\nTo: b@example.com\r\nSubject: s\r\n\r\nx\r\n";
    store::Settings s;
    s.spam_reject_threshold = 3;
    s.antispam_enabled = false;
    Verdict v = scan(request(sloppy), s, {});
    EXPECT_EQ(v.action, Action::Accept);
    EXPECT_FALSE(v.spam_scored);
    EXPECT_TRUE(v.hits.empty()) << v.symbols();
    Checks c;
    c.antivirus = [](std::string_view) {
        return ScanResult{ScanResult::Status::Infected, "Eicar-Test-Signature"};
    };
    EXPECT_EQ(scan(request(sloppy), s, c).action, Action::Reject);
    c.antivirus = [](std::string_view) { return ScanResult{ScanResult::Status::Clean, ""}; };
    v = scan(request(sloppy), s, c);
    EXPECT_EQ(v.explain(), ", av=clean");
    c.attachments = [](const mime::Message&, std::string_view) {
        return std::optional<std::string>("executable");
    };
    EXPECT_EQ(scan(request(sloppy), s, c).action, Action::Reject);
}

TEST(FilterPipeline, AttachmentAndVirusChecksRejectBeforeScoring) {
    Checks c;
    c.antivirus = [](std::string_view) { return ScanResult{ScanResult::Status::Infected, "Eicar-Test-Signature"}; };
    Verdict v = scan(request(kClean), store::Settings{}, c);
    EXPECT_EQ(v.action, Action::Reject);
    EXPECT_NE(v.reject_text.find("Eicar-Test-Signature"), std::string::npos);
    store::Settings off;
    off.antivirus_enabled = false;
    EXPECT_EQ(scan(request(kClean), off, c).action, Action::Accept);
    c.antivirus = [](std::string_view) { return ScanResult{ScanResult::Status::Failed, "clamd down"}; };
    EXPECT_EQ(scan(request(kClean), store::Settings{}, c).action, Action::Defer);
    c.attachments = [](const mime::Message&, std::string_view) { return std::optional<std::string>("executable"); };
    EXPECT_TRUE(has(scan(request(kClean), store::Settings{}, c), "BLOCKED_ATTACHMENT"));
}

TEST(FilterPipeline, GreylistingOnlyAboveItsThreshold) {
    std::string sloppy = "From: a@remote.example\r\nTo: b@example.com\r\nSubject: s\r\n\r\nx\r\n";  // 3.5
    store::Settings s;
    s.spam_greylist_threshold = 3;
    Greylist g;
    Checks c;
    c.greylist = &g;
    auto r = request(sloppy);
    EXPECT_EQ(scan(r, s, c).action, Action::Greylist);
    r.now += s.greylist_delay + 1;
    EXPECT_EQ(scan(r, s, c).action, Action::Accept);
    EXPECT_EQ(scan(request(kClean), s, c).action, Action::Accept);  // below: never greylisted
    EXPECT_EQ(g.size(), 1u);
}
