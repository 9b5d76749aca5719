// Tests of DMARC (RFC 7489): record parsing (§6.3, §6.6.3 invalid p=), policy discovery
// with the organizational-domain fallback, alignment modes, sp= and pct= sampling, and
// the DNS error paths, over a fake DnsLookup.
#include <gtest/gtest.h>

#include "dns_fake.h"
#include "filter/dmarc.h"

using namespace magpie::filter;
using dns_test::FakeDns;
namespace d = magpie::filter::dmarc;

namespace {

const PublicSuffixList& test_psl() {
    static const PublicSuffixList psl = PublicSuffixList::parse("com\norg\nuk\nco.uk\n*.ck\n");
    return psl;
}

d::Input from(std::string domain) {
    d::Input in;
    in.from_domain = std::move(domain);
    return in;
}

}  // namespace

TEST(DmarcRecordTest, FullRecord) {
    auto r = d::parse_record(
        "v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=s; pct=30; "
        "rua=mailto:agg@example.com,mailto:agg2@example.net!10m; ruf=mailto:f@example.com; "
        "fo=1:d; rf=afrf; ri=3600");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->p, d::Policy::Reject);
    EXPECT_EQ(r->sp, d::Policy::Quarantine);
    EXPECT_TRUE(r->strict_dkim);
    EXPECT_TRUE(r->strict_spf);
    EXPECT_EQ(r->pct, 30);
    EXPECT_EQ(r->rua,
              (std::vector<std::string>{"mailto:agg@example.com", "mailto:agg2@example.net!10m"}));
    EXPECT_EQ(r->ruf, (std::vector<std::string>{"mailto:f@example.com"}));
}

TEST(DmarcRecordTest, DefaultsAndWhiteSpace) {
    auto r = d::parse_record("  v = DMARC1 ;  P = Quarantine ; ;");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->p, d::Policy::Quarantine);
    EXPECT_FALSE(r->sp);
    EXPECT_FALSE(r->strict_dkim);
    EXPECT_FALSE(r->strict_spf);
    EXPECT_EQ(r->pct, 100);
    EXPECT_TRUE(r->rua.empty());
    EXPECT_TRUE(d::parse_record("v=DMARC1;p=none"));
    EXPECT_TRUE(d::parse_record("v=DMARC1\t;\tp=none"));
}

TEST(DmarcRecordTest, VersionMustComeFirst) {
    EXPECT_FALSE(d::parse_record("p=reject; v=DMARC1"));
    EXPECT_FALSE(d::parse_record("v=DMARC2; p=reject"));
    EXPECT_FALSE(d::parse_record("v=dmarc1; p=reject"));  // the version string is exact
    EXPECT_FALSE(d::parse_record("v=DMARC1x; p=reject"));
    EXPECT_FALSE(d::parse_record("; v=DMARC1; p=reject"));
    EXPECT_FALSE(d::parse_record("v=spf1 -all"));
    EXPECT_FALSE(d::parse_record(""));
    EXPECT_FALSE(d::parse_record("v"));
}

TEST(DmarcRecordTest, MissingOrInvalidPolicy) {
    EXPECT_FALSE(d::parse_record("v=DMARC1"));
    EXPECT_FALSE(d::parse_record("v=DMARC1;"));
    EXPECT_FALSE(d::parse_record("v=DMARC1; p=block"));
    EXPECT_FALSE(d::parse_record("v=DMARC1; p="));
    EXPECT_FALSE(d::parse_record("v=DMARC1; p=reject; sp=bogus"));
    EXPECT_FALSE(d::parse_record("v=DMARC1; p=bogus; rua=not a uri"));
    EXPECT_FALSE(d::parse_record("v=DMARC1; p=bogus; rua=noscheme"));
    // §6.6.3: with a valid rua, an invalid or missing p= (or sp=) reads as p=none.
    for (const char* txt :
         {"v=DMARC1; p=bogus; rua=mailto:r@example.com", "v=DMARC1; rua=mailto:r@example.com",
          "v=DMARC1; p=reject; sp=x; rua=bad, mailto:r@example.com"}) {
        auto r = d::parse_record(txt);
        ASSERT_TRUE(r) << txt;
        EXPECT_EQ(r->p, d::Policy::None) << txt;
        EXPECT_FALSE(r->sp) << txt;
        EXPECT_EQ(r->rua, std::vector<std::string>{"mailto:r@example.com"}) << txt;
    }
}

TEST(DmarcRecordTest, InvalidOptionalTagsKeepDefaults) {
    auto r = d::parse_record(
        "v=DMARC1; p=reject; adkim=x; aspf=; pct=101; rua=mailto:a@b.c!x; fo=9; unknown=1; junk");
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->strict_dkim);
    EXPECT_FALSE(r->strict_spf);
    EXPECT_EQ(r->pct, 100);
    EXPECT_TRUE(r->rua.empty());
    EXPECT_EQ(d::parse_record("v=DMARC1; p=none; pct=-1")->pct, 100);
    EXPECT_EQ(d::parse_record("v=DMARC1; p=none; pct=0")->pct, 0);
    EXPECT_EQ(d::parse_record("v=DMARC1; p=none; pct=5x")->pct, 100);
    EXPECT_EQ(d::parse_record("v=DMARC1; p=none; pct=0050")->pct, 100);
    // Only a tag's first occurrence counts.
    EXPECT_EQ(d::parse_record("v=DMARC1; p=none; p=reject")->p, d::Policy::None);
}

TEST(DmarcRecordTest, ResultNames) {
    EXPECT_EQ(d::result_name(d::Result::None), "none");
    EXPECT_EQ(d::result_name(d::Result::Pass), "pass");
    EXPECT_EQ(d::result_name(d::Result::Fail), "fail");
    EXPECT_EQ(d::result_name(d::Result::TempError), "temperror");
    EXPECT_EQ(d::result_name(d::Result::PermError), "permerror");
}

TEST(DmarcEvaluateTest, RecordAtFromDomainSpfAlignedRelaxed) {
    FakeDns dns;
    dns.set("_dmarc.example.com", DnsType::TXT, {"v=spf1 -all", "v=DMARC1; p=reject"});
    auto in = from("example.com");
    in.spf_domain = "bounce.example.com";
    in.spf_pass = true;
    auto o = d::evaluate(in, dns.lookup(), test_psl(), 0);
    EXPECT_EQ(o.result, d::Result::Pass);
    EXPECT_TRUE(o.spf_aligned);
    EXPECT_FALSE(o.dkim_aligned);
    EXPECT_EQ(o.policy, d::Policy::Reject);
    EXPECT_EQ(o.policy_domain, "example.com");
    EXPECT_EQ(dns.queries(), 1u);  // the From domain is the organizational domain
}

TEST(DmarcEvaluateTest, StrictAlignment) {
    FakeDns dns;
    dns.set("_dmarc.example.com", DnsType::TXT, {"v=DMARC1; p=reject; adkim=s; aspf=s"});
    auto in = from("example.com");
    in.spf_domain = "bounce.example.com";
    in.spf_pass = true;
    in.dkim_pass_domains = {"mail.example.com"};
    auto o = d::evaluate(in, dns.lookup(), test_psl(), 0);
    EXPECT_EQ(o.result, d::Result::Fail);
    EXPECT_FALSE(o.spf_aligned);
    EXPECT_FALSE(o.dkim_aligned);
    in.dkim_pass_domains.push_back("Example.COM.");
    o = d::evaluate(in, dns.lookup(), test_psl(), 0);
    EXPECT_EQ(o.result, d::Result::Pass);
    EXPECT_TRUE(o.dkim_aligned);
}

TEST(DmarcEvaluateTest, DkimRelaxedAndUnaligned) {
    FakeDns dns;
    dns.set("_dmarc.example.co.uk", DnsType::TXT, {"v=DMARC1; p=quarantine"});
    auto in = from("news.example.co.uk");
    in.spf_domain = "example.co.uk";
    in.spf_pass = false;  // aligned but not passing
    in.dkim_pass_domains = {"other.co.uk", "co.uk"};
    auto o = d::evaluate(in, dns.lookup(), test_psl(), 0);
    EXPECT_EQ(o.result, d::Result::Fail);
    EXPECT_EQ(o.policy, d::Policy::Quarantine);
    EXPECT_EQ(o.policy_domain, "example.co.uk");
    in.dkim_pass_domains.push_back("x.example.co.uk");
    o = d::evaluate(in, dns.lookup(), test_psl(), 0);
    EXPECT_EQ(o.result, d::Result::Pass);
    EXPECT_TRUE(o.dkim_aligned);
}

TEST(DmarcEvaluateTest, FallbackToOrganizationalDomainUsesSp) {
    FakeDns dns;
    dns.set("_dmarc.example.com", DnsType::TXT, {"v=DMARC1; p=reject; sp=none"});
    auto o = d::evaluate(from("a.b.example.com"), dns.lookup(), test_psl(), 0);
    EXPECT_EQ(o.result, d::Result::Fail);
    EXPECT_EQ(o.policy, d::Policy::None);
    EXPECT_EQ(o.policy_domain, "example.com");
    ASSERT_EQ(dns.batches.size(), 1u);  // both names in one batch
    ASSERT_EQ(dns.batches[0].size(), 2u);
    EXPECT_EQ(dns.batches[0][0].name, "_dmarc.a.b.example.com");
    EXPECT_EQ(dns.batches[0][1].name, "_dmarc.example.com");
    EXPECT_EQ(dns.batches[0][1].type, DnsType::TXT);

    // Without sp= the subdomain gets p=.
    dns.set("_dmarc.example.com", DnsType::TXT, {"v=DMARC1; p=reject"});
    EXPECT_EQ(d::evaluate(from("a.example.com"), dns.lookup(), test_psl(), 0).policy,
              d::Policy::Reject);
}

TEST(DmarcEvaluateTest, RecordAtSubdomainWinsAndIgnoresSp) {
    FakeDns dns;
    dns.set("_dmarc.sub.example.com", DnsType::TXT, {"v=DMARC1; p=quarantine; sp=reject"});
    dns.set("_dmarc.example.com", DnsType::TXT, {"v=DMARC1; p=none"});
    auto o = d::evaluate(from("sub.example.com"), dns.lookup(), test_psl(), 0);
    EXPECT_EQ(o.policy, d::Policy::Quarantine);
    EXPECT_EQ(o.policy_domain, "sub.example.com");
}

TEST(DmarcEvaluateTest, NoRecordIsNone) {
    FakeDns dns;
    dns.fail("_dmarc.sub.example.org", DnsType::TXT, DnsReply::Status::NoData);
    dns.set("_dmarc.example.org", DnsType::TXT, {"some other text"});
    auto o = d::evaluate(from("sub.example.org"), dns.lookup(), test_psl(), 0);
    EXPECT_EQ(o.result, d::Result::None);
    EXPECT_EQ(o.policy, d::Policy::None);
    EXPECT_TRUE(o.policy_domain.empty());
    EXPECT_EQ(d::evaluate(from(""), dns.lookup(), test_psl(), 0).result, d::Result::None);
}

TEST(DmarcEvaluateTest, MultipleRecordsMeanNoPolicy) {
    FakeDns dns;
    dns.set("_dmarc.sub.example.com", DnsType::TXT, {"v=DMARC1; p=reject", "v=DMARC1; p=none"});
    dns.set("_dmarc.example.com", DnsType::TXT, {"v=DMARC1; p=reject"});
    auto o = d::evaluate(from("sub.example.com"), dns.lookup(), test_psl(), 0);
    EXPECT_EQ(o.result, d::Result::None);  // discovery stops; no fallback to the parent
    dns.set("_dmarc.example.com", DnsType::TXT, {"v=DMARC1; p=reject", "v=DMARC1; p=bogus"});
    EXPECT_EQ(d::evaluate(from("example.com"), dns.lookup(), test_psl(), 0).result,
              d::Result::None);
}

TEST(DmarcEvaluateTest, InvalidRecordIsIgnoredUnlessRuaGiven) {
    FakeDns dns;
    dns.set("_dmarc.example.com", DnsType::TXT, {"v=DMARC1; p=block"});
    EXPECT_EQ(d::evaluate(from("example.com"), dns.lookup(), test_psl(), 0).result,
              d::Result::None);
    dns.set("_dmarc.example.com", DnsType::TXT, {"v=DMARC1; p=block; rua=mailto:r@example.com"});
    auto o = d::evaluate(from("example.com"), dns.lookup(), test_psl(), 0);
    EXPECT_EQ(o.result, d::Result::Fail);
    EXPECT_EQ(o.policy, d::Policy::None);
}

TEST(DmarcEvaluateTest, TempFailIsTempError) {
    FakeDns dns;
    dns.fail("_dmarc.example.com", DnsType::TXT, DnsReply::Status::TempFail);
    auto in = from("example.com");
    in.dkim_pass_domains = {"example.com"};
    EXPECT_EQ(d::evaluate(in, dns.lookup(), test_psl(), 0).result, d::Result::TempError);
    // At the organizational domain, after no record at the From domain.
    in.from_domain = "sub.example.com";
    EXPECT_EQ(d::evaluate(in, dns.lookup(), test_psl(), 0).result, d::Result::TempError);
    // A record at the From domain makes the parent's failure irrelevant.
    dns.set("_dmarc.sub.example.com", DnsType::TXT, {"v=DMARC1; p=none"});
    EXPECT_EQ(d::evaluate(in, dns.lookup(), test_psl(), 0).result, d::Result::Pass);
}

TEST(DmarcEvaluateTest, PermFailAndBadDomainArePermError) {
    FakeDns dns;
    dns.fail("_dmarc.example.com", DnsType::TXT, DnsReply::Status::PermFail);
    EXPECT_EQ(d::evaluate(from("example.com"), dns.lookup(), test_psl(), 0).result,
              d::Result::PermError);
    EXPECT_EQ(d::evaluate(from("bad..example.com"), dns.lookup(), test_psl(), 0).result,
              d::Result::PermError);
    EXPECT_EQ(d::evaluate(from("bad domain.com"), dns.lookup(), test_psl(), 0).result,
              d::Result::PermError);
    EXPECT_EQ(d::evaluate(from("\xff.com"), dns.lookup(), test_psl(), 0).result,
              d::Result::PermError);
}

TEST(DmarcEvaluateTest, ShortReplyBatchIsTempError) {
    auto in = from("example.com");
    DnsLookup empty = [](const std::vector<DnsQuery>&) { return std::vector<DnsReply>{}; };
    EXPECT_EQ(d::evaluate(in, empty, test_psl(), 0).result, d::Result::TempError);
}

TEST(DmarcEvaluateTest, PctSampling) {
    FakeDns dns;
    dns.set("_dmarc.example.com", DnsType::TXT, {"v=DMARC1; p=reject; pct=25"});
    auto in = from("example.com");
    EXPECT_FALSE(d::evaluate(in, dns.lookup(), test_psl(), 0).sampled_out);
    EXPECT_FALSE(d::evaluate(in, dns.lookup(), test_psl(), 24).sampled_out);
    auto o = d::evaluate(in, dns.lookup(), test_psl(), 25);
    EXPECT_TRUE(o.sampled_out);
    EXPECT_EQ(o.policy, d::Policy::Reject);  // the published policy; the caller lowers it
    EXPECT_TRUE(d::evaluate(in, dns.lookup(), test_psl(), 1000).sampled_out);
    // A passing message is never sampled out; pct=100 never samples out.
    in.dkim_pass_domains = {"example.com"};
    EXPECT_FALSE(d::evaluate(in, dns.lookup(), test_psl(), 99).sampled_out);
    dns.set("_dmarc.example.com", DnsType::TXT, {"v=DMARC1; p=reject"});
    EXPECT_FALSE(d::evaluate(from("example.com"), dns.lookup(), test_psl(), 99).sampled_out);
    dns.set("_dmarc.example.com", DnsType::TXT, {"v=DMARC1; p=reject; pct=0"});
    EXPECT_TRUE(d::evaluate(from("example.com"), dns.lookup(), test_psl(), 0).sampled_out);
}

TEST(DmarcEvaluateTest, InternationalizedFromDomain) {
    FakeDns dns;
    dns.set("_dmarc.xn--bcher-kva.com", DnsType::TXT, {"v=DMARC1; p=reject"});
    auto in = from("Mail.Bücher.com");
    in.dkim_pass_domains = {"xn--bcher-kva.com"};
    auto o = d::evaluate(in, dns.lookup(), test_psl(), 0);
    EXPECT_EQ(o.result, d::Result::Pass);
    EXPECT_EQ(o.policy_domain, "xn--bcher-kva.com");
    ASSERT_EQ(dns.batches.back().size(), 2u);
    EXPECT_EQ(dns.batches.back()[0].name, "_dmarc.mail.xn--bcher-kva.com");
}

TEST(DmarcEvaluateTest, PublicSuffixFromDomainAsksOnce) {
    FakeDns dns;
    dns.set("_dmarc.foo.ck", DnsType::TXT, {"v=DMARC1; p=reject"});
    auto o = d::evaluate(from("foo.ck"), dns.lookup(), test_psl(), 0);  // *.ck: a suffix
    EXPECT_EQ(o.result, d::Result::Fail);
    EXPECT_EQ(o.policy_domain, "foo.ck");
    EXPECT_EQ(dns.queries(), 1u);
}

TEST(DmarcEvaluateTest, SystemListOrganizationalDomain) {
    FakeDns dns;
    dns.set("_dmarc.example.co.uk", DnsType::TXT, {"v=DMARC1; p=quarantine; sp=reject"});
    auto in = from("mail.example.co.uk");
    in.spf_pass = true;
    in.spf_domain = "bounces.example.co.uk";
    auto o = d::evaluate(in, dns.lookup(), PublicSuffixList::system(), 0);
    EXPECT_EQ(o.result, d::Result::Pass);
    EXPECT_EQ(o.policy, d::Policy::Reject);
    EXPECT_EQ(o.policy_domain, "example.co.uk");
}
