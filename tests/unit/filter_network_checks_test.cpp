// The DNS checks inside the pipeline (filter/network_checks.h): SPF, DKIM, DMARC and the
// blocklists scored and reported, DMARC enforcement, and DNS failures, over a fake DNS.
#include <gtest/gtest.h>

#include <map>

#include "filter/pipeline.h"

using namespace magpie;
using namespace magpie::filter;

namespace {

using Zone = std::multimap<std::pair<std::string, DnsType>, std::string>;

DnsLookup fake_dns(const Zone& zone, bool all_fail = false) {
    return [zone, all_fail](const std::vector<DnsQuery>& qs) {
        std::vector<DnsReply> out;
        for (const auto& q : qs) {
            DnsReply r;
            if (all_fail) {
                out.push_back(r);
                continue;
            }
            auto [b, e] = zone.equal_range({q.name, q.type});
            for (auto it = b; it != e; ++it) r.records.push_back(it->second);
            r.status = r.records.empty() ? DnsReply::Status::NxDomain : DnsReply::Status::Ok;
            out.push_back(std::move(r));
        }
        return out;
    };
}

const std::string kMessage =
    "Received: from x by mx.test with ESMTP\r\nFrom: A <a@sender.example>\r\nTo: b@example.com\r\n"
    "Subject: hello\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: "
    "<1@sender.example>\r\n\r\n"
    "see http://www.listed.zz/page\r\n";

ScanRequest request(std::string client_ip = "192.0.2.10") {
    ScanRequest r;
    r.data = kMessage;
    r.client_ip = std::move(client_ip);
    r.sender = "a@sender.example";
    r.helo = "mail.sender.example";
    r.recipients = {"b@example.com"};
    r.hostname = "mx.test";
    r.now = 1000000;
    return r;
}

Zone base_zone(const std::string& spf, const std::string& dmarc) {
    Zone z;
    z.insert({{"sender.example", DnsType::TXT}, spf});
    z.insert({{"_dmarc.sender.example", DnsType::TXT}, dmarc});
    return z;
}

const RuleHit* hit(const Verdict& v, std::string_view rule) {
    for (const auto& h : v.hits) {
        if (h.name == rule) return &h;
    }
    return nullptr;
}

bool has_result(const Verdict& v, std::string_view text) {
    for (const auto& r : v.auth_results) {
        if (r.find(text) != std::string::npos) return true;
    }
    return false;
}

store::Settings settings() {
    store::Settings s;
    s.dnsbl_lists = "";
    s.uribl_lists = "";
    return s;
}

Verdict scan_with(const ScanRequest& req, const store::Settings& s, const Zone& zone,
                  bool fail = false) {
    Checks c;
    c.dns = [&zone, fail]() { return fake_dns(zone, fail); };
    static PublicSuffixList psl = PublicSuffixList::parse("com\nexample\nco.uk\n");
    c.psl = &psl;
    return scan(req, s, c);
}

}  // namespace

TEST(FilterNetworkChecks, SpfPassAndDmarcPass) {
    auto z = base_zone("v=spf1 ip4:192.0.2.0/24 -all", "v=DMARC1; p=reject");
    Verdict v = scan_with(request(), settings(), z);
    ASSERT_NE(hit(v, "R_SPF_ALLOW"), nullptr);
    ASSERT_NE(hit(v, "DMARC_POLICY_ALLOW"), nullptr);
    EXPECT_NE(hit(v, "R_DKIM_NA"), nullptr);
    EXPECT_TRUE(has_result(v, "spf=pass smtp.mailfrom=a@sender.example"));
    EXPECT_TRUE(has_result(v, "dmarc=pass (p=reject) header.from=sender.example"));
    EXPECT_EQ(v.action, Action::Accept);
}

TEST(FilterNetworkChecks, DmarcRejectIsScoredUnlessEnforced) {
    auto z = base_zone("v=spf1 -all", "v=DMARC1; p=reject");
    auto s = settings();
    Verdict v = scan_with(request(), s, z);
    ASSERT_NE(hit(v, "R_SPF_FAIL"), nullptr);
    ASSERT_NE(hit(v, "DMARC_POLICY_REJECT"), nullptr);
    EXPECT_EQ(v.action, Action::Accept);
    s.dmarc_enforce = true;
    v = scan_with(request(), s, z);
    EXPECT_EQ(v.action, Action::Reject);
    EXPECT_NE(v.reject_text.find("DMARC policy of sender.example"), std::string::npos);
}

TEST(FilterNetworkChecks, DmarcQuarantineEnforcedFlags) {
    auto z = base_zone("v=spf1 -all", "v=DMARC1; p=quarantine");
    auto s = settings();
    s.dmarc_enforce = true;
    Verdict v = scan_with(request(), s, z);
    EXPECT_NE(hit(v, "DMARC_POLICY_QUARANTINE"), nullptr);
    EXPECT_EQ(v.action, Action::Flag);
}

TEST(FilterNetworkChecks, AuthenticatedClientsSkipSpfAndDnsbl) {
    auto z = base_zone("v=spf1 -all", "v=DMARC1; p=reject");
    z.insert({{"10.2.0.192.bl.example", DnsType::A}, "127.0.0.2"});
    auto s = settings();
    s.dnsbl_lists = "bl.example=5";
    auto req = request();
    req.authenticated = true;
    Verdict v = scan_with(req, s, z);
    EXPECT_EQ(hit(v, "R_SPF_FAIL"), nullptr);
    EXPECT_EQ(hit(v, "RBL_BL_EXAMPLE"), nullptr);
    EXPECT_TRUE(v.auth_results.empty());
}

TEST(FilterNetworkChecks, BlocklistsAddTheirScores) {
    auto z = base_zone("v=spf1 ?all", "v=DMARC1; p=none");
    z.insert({{"10.2.0.192.bl.example", DnsType::A}, "127.0.0.2"});
    z.insert({{"listed.zz.uri.example", DnsType::A}, "127.0.0.4"});
    auto s = settings();
    s.dnsbl_lists = "bl.example=5";
    s.uribl_lists = "uri.example=2.5";
    Verdict v = scan_with(request(), s, z);
    ASSERT_NE(hit(v, "RBL_BL_EXAMPLE"), nullptr);
    EXPECT_DOUBLE_EQ(hit(v, "RBL_BL_EXAMPLE")->score, 5);
    ASSERT_NE(hit(v, "URIBL_URI_EXAMPLE"), nullptr);
    EXPECT_DOUBLE_EQ(hit(v, "URIBL_URI_EXAMPLE")->score, 2.5);
    EXPECT_EQ(v.action, Action::Flag);  // 7.5 >= 6
}

TEST(FilterNetworkChecks, SwitchedOffChecksAddNothing) {
    auto z = base_zone("v=spf1 -all", "v=DMARC1; p=reject");
    auto s = settings();
    s.spf_dkim_dmarc_checks = false;
    Verdict v = scan_with(request(), s, z);
    EXPECT_EQ(hit(v, "R_SPF_FAIL"), nullptr);
    EXPECT_TRUE(v.auth_results.empty());
}

TEST(FilterNetworkChecks, DnsFailuresAreTemporaryErrorsNotScores) {
    Zone z;
    auto s = settings();
    s.dnsbl_lists = "bl.example=5";
    s.dmarc_enforce = true;
    Verdict v = scan_with(request(), s, z, /*fail=*/true);
    EXPECT_NE(hit(v, "R_SPF_DNSFAIL"), nullptr);
    EXPECT_NE(hit(v, "DMARC_DNSFAIL"), nullptr);
    EXPECT_EQ(hit(v, "RBL_BL_EXAMPLE"), nullptr);
    EXPECT_TRUE(has_result(v, "spf=temperror"));
    EXPECT_EQ(v.action, Action::Accept);
}
