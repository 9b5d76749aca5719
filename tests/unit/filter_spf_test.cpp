// SPF (RFC 7208): check() over a fake DnsLookup that answers from an in-memory zone, and the
// macro expander on the examples of RFC 7208 §7.4. Cases follow the RFC's sections; many
// are modelled on the situations of the openspf rfc7208 test suite.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <utility>

#include "filter/spf.h"
#include "filter/spf_macro.h"
#include "filter/spf_record.h"

using namespace magpie::filter;
using magpie::filter::spf::Outcome;
using magpie::filter::spf::Result;

namespace magpie::filter::spf {
void PrintTo(Result r, std::ostream* os) {
    *os << result_name(r);
}
}  // namespace magpie::filter::spf

namespace {

// A zone in memory. A name with records of any type but not the one asked answers NoData,
// an unknown name NxDomain; fail() forces a status for one name and type.
class FakeDns {
  public:
    FakeDns& add(const std::string& name, DnsType type, std::string data) {
        zone_[{lower(name), type}].push_back(std::move(data));
        names_.insert(lower(name));
        return *this;
    }
    FakeDns& txt(const std::string& name, std::string data) {
        return add(name, DnsType::TXT, std::move(data));
    }
    // Publishes a name's only TXT record, replacing those it had.
    FakeDns& spf(const std::string& name, std::string record) {
        zone_.erase({lower(name), DnsType::TXT});
        return txt(name, std::move(record));
    }
    FakeDns& a(const std::string& name, std::string addr) {
        return add(name, DnsType::A, std::move(addr));
    }
    FakeDns& aaaa(const std::string& name, std::string addr) {
        return add(name, DnsType::AAAA, std::move(addr));
    }
    FakeDns& mx(const std::string& name, std::string host) {
        return add(name, DnsType::MX, std::move(host));
    }
    FakeDns& ptr(const std::string& name, std::string target) {
        return add(name, DnsType::PTR, std::move(target));
    }
    FakeDns& fail(const std::string& name, DnsType type,
                  DnsReply::Status status = DnsReply::Status::TempFail) {
        forced_[{lower(name), type}] = status;
        names_.insert(lower(name));
        return *this;
    }

    DnsLookup lookup() {
        return [this](const std::vector<DnsQuery>& queries) {
            ++batches;
            std::vector<DnsReply> out;
            for (const auto& q : queries) {
                log.push_back(q);
                out.push_back(answer(q));
            }
            return out;
        };
    }

    bool asked(const std::string& name, DnsType type) const {
        for (const auto& q : log)
            if (lower(q.name) == lower(name) && q.type == type) return true;
        return false;
    }

    std::vector<DnsQuery> log;
    int batches = 0;

  private:
    static std::string lower(std::string s) {
        for (auto& c : s)
            if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
        return s;
    }
    DnsReply answer(const DnsQuery& q) const {
        DnsReply r;
        auto key = std::make_pair(lower(q.name), q.type);
        if (auto f = forced_.find(key); f != forced_.end()) {
            r.status = f->second;
            return r;
        }
        if (auto it = zone_.find(key); it != zone_.end()) {
            r.status = DnsReply::Status::Ok;
            r.records = it->second;
            return r;
        }
        r.status = names_.count(key.first) ? DnsReply::Status::NoData : DnsReply::Status::NxDomain;
        return r;
    }

    std::map<std::pair<std::string, DnsType>, std::vector<std::string>> zone_;
    std::map<std::pair<std::string, DnsType>, DnsReply::Status> forced_;
    std::set<std::string> names_;
};

Outcome run(FakeDns& dns, const std::string& ip, const std::string& sender,
            const std::string& helo = "mail.example.com") {
    spf::Request req;
    req.ip = ip;
    req.sender = sender;
    req.helo = helo;
    req.receiver = "mx.receiver.example";
    return spf::check(req, dns.lookup());
}

// The result for one record published at example.com, checked for foo@example.com.
Result result_of(const std::string& record, const std::string& ip = "192.0.2.1") {
    FakeDns dns;
    dns.txt("example.com", record);
    dns.a("example.com", "192.0.2.1");
    return run(dns, ip, "foo@example.com").result;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Results and identities (§2)

TEST(FilterSpf, ResultNames) {
    EXPECT_EQ(spf::result_name(Result::None), "none");
    EXPECT_EQ(spf::result_name(Result::Neutral), "neutral");
    EXPECT_EQ(spf::result_name(Result::Pass), "pass");
    EXPECT_EQ(spf::result_name(Result::Fail), "fail");
    EXPECT_EQ(spf::result_name(Result::SoftFail), "softfail");
    EXPECT_EQ(spf::result_name(Result::TempError), "temperror");
    EXPECT_EQ(spf::result_name(Result::PermError), "permerror");
}

TEST(FilterSpf, QualifiersGiveTheirResults) {
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.2.1"), Result::Pass);
    EXPECT_EQ(result_of("v=spf1 +ip4:192.0.2.1"), Result::Pass);
    EXPECT_EQ(result_of("v=spf1 -ip4:192.0.2.1"), Result::Fail);
    EXPECT_EQ(result_of("v=spf1 ~ip4:192.0.2.1"), Result::SoftFail);
    EXPECT_EQ(result_of("v=spf1 ?ip4:192.0.2.1"), Result::Neutral);
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.2.9"), Result::Neutral);  // §4.7 default
}

TEST(FilterSpf, OutcomeReportsDomainIdentityAndMechanism) {
    FakeDns dns;
    dns.txt("example.com", "v=spf1 ip4:198.51.100.0/24 -ip4:192.0.2.0/24 ~all");
    auto o = run(dns, "192.0.2.7", "Someone@Example.COM");
    EXPECT_EQ(o.result, Result::Fail);
    EXPECT_EQ(o.domain, "example.com");
    EXPECT_EQ(o.identity, "mailfrom");
    EXPECT_EQ(o.mechanism, "-ip4:192.0.2.0/24");
    EXPECT_EQ(o.explanation, "");
    EXPECT_EQ(o.problem, "");
}

TEST(FilterSpf, NullSenderChecksHeloAsPostmaster) {
    FakeDns dns;
    dns.txt("mail.example.com", "v=spf1 a -all");
    dns.a("mail.example.com", "192.0.2.5");
    dns.txt("why.example.com", "%{s} via %{h}");
    auto o = run(dns, "192.0.2.5", "", "mail.example.com");
    EXPECT_EQ(o.result, Result::Pass);
    EXPECT_EQ(o.identity, "helo");
    EXPECT_EQ(o.domain, "mail.example.com");

    dns.txt("other.example.com", "v=spf1 -all exp=why.example.com");
    o = run(dns, "192.0.2.5", "", "other.example.com");
    EXPECT_EQ(o.result, Result::Fail);
    EXPECT_EQ(o.explanation, "postmaster@other.example.com via other.example.com");
}

// ---------------------------------------------------------------------------------------
// Initial processing (§4.3)

TEST(FilterSpf, MalformedDomainsGiveNone) {
    FakeDns dns;
    std::string label63(63, 'a'), label64(64, 'a');
    dns.txt(label63 + ".example.com", "v=spf1 -all");
    dns.txt(label64 + ".example.com", "v=spf1 -all");
    EXPECT_EQ(run(dns, "192.0.2.1", "x@" + label63 + ".example.com").result, Result::Fail);
    EXPECT_EQ(run(dns, "192.0.2.1", "x@" + label64 + ".example.com").result, Result::None);
    EXPECT_EQ(run(dns, "192.0.2.1", "x@a...example.com").result, Result::None);
    EXPECT_EQ(run(dns, "192.0.2.1", "x@[192.0.2.1]").result, Result::None);
    EXPECT_EQ(run(dns, "192.0.2.1", "", "A2345678").result, Result::None);
    EXPECT_EQ(run(dns, "192.0.2.1", "", "[192.0.2.1]").result, Result::None);
    EXPECT_EQ(run(dns, "192.0.2.1", "", "").result, Result::None);
    EXPECT_TRUE(dns.log.size() == 1);  // only the one valid domain was looked up
}

TEST(FilterSpf, TrailingDotOnTheDomainIsIgnored) {
    FakeDns dns;
    dns.txt("example.com", "v=spf1 -all");
    auto o = run(dns, "192.0.2.1", "x@example.com.");
    EXPECT_EQ(o.result, Result::Fail);
    EXPECT_EQ(o.domain, "example.com");
}

TEST(FilterSpf, EmptyLocalPartBecomesPostmaster) {
    FakeDns dns;
    dns.txt("example.net", "v=spf1 -all exp=exp.example.net");
    dns.txt("exp.example.net", "%{l}");
    auto o = run(dns, "192.0.2.1", "@example.net");
    EXPECT_EQ(o.result, Result::Fail);
    EXPECT_EQ(o.explanation, "postmaster");
}

TEST(FilterSpf, InvalidClientAddressGivesNone) {
    FakeDns dns;
    dns.txt("example.com", "v=spf1 -all");
    EXPECT_EQ(run(dns, "not-an-ip", "x@example.com").result, Result::None);
}

// ---------------------------------------------------------------------------------------
// Record lookup and selection (§4.4, §4.5)

TEST(FilterSpf, NoRecordIsNone) {
    FakeDns dns;
    dns.a("example.com", "192.0.2.1");                           // NoData for TXT
    dns.txt("other.example.com", "google-site-verification=x");  // not SPF
    EXPECT_EQ(run(dns, "192.0.2.1", "x@example.com").result, Result::None);
    EXPECT_EQ(run(dns, "192.0.2.1", "x@nowhere.example.com").result, Result::None);  // NXDOMAIN
    EXPECT_EQ(run(dns, "192.0.2.1", "x@other.example.com").result, Result::None);
}

TEST(FilterSpf, DnsErrorOnTheRecordIsTempError) {
    FakeDns dns;
    dns.fail("example.com", DnsType::TXT);
    auto o = run(dns, "192.0.2.1", "x@example.com");
    EXPECT_EQ(o.result, Result::TempError);
    EXPECT_FALSE(o.problem.empty());
    dns.fail("example.org", DnsType::TXT, DnsReply::Status::PermFail);  // e.g. REFUSED
    EXPECT_EQ(run(dns, "192.0.2.1", "x@example.org").result, Result::TempError);
}

TEST(FilterSpf, RecordSelection) {
    EXPECT_EQ(result_of("v=spf1"), Result::Neutral);  // empty record
    EXPECT_EQ(result_of("v=SpF1 ~all"), Result::SoftFail);
    EXPECT_EQ(result_of("v=spf1  ip4:192.0.2.1   -all  "), Result::Pass);  // many spaces
    EXPECT_EQ(result_of("v=spf10 -all"), Result::None);
    EXPECT_EQ(result_of("v=spf1mx"), Result::None);  // TXT strings joined without a space
    EXPECT_EQ(result_of("spf2.0/pra -all"), Result::None);

    FakeDns dns;
    dns.txt("example.com", "v=spf1 -all");
    dns.txt("example.com", "V=spf1 +all");
    auto o = run(dns, "192.0.2.1", "x@example.com");
    EXPECT_EQ(o.result, Result::PermError);
    EXPECT_NE(o.problem.find("more than one"), std::string::npos);

    FakeDns other;  // other TXT records, even with 8-bit bytes, are ignored
    other.txt("example.com", "v=spf1 -all");
    other.txt("example.com", "\x96 verification");
    other.txt("example.com", "v=spf10 +all");
    EXPECT_EQ(run(other, "192.0.2.1", "x@example.com").result, Result::Fail);
}

// ---------------------------------------------------------------------------------------
// Record syntax (§4.6, §12)

TEST(FilterSpf, SyntaxErrorsAnywhereArePermError) {
    // The ip4 would match first, but the whole record is checked before evaluation.
    FakeDns dns;
    dns.txt("example.com", "v=spf1 ip4:192.0.2.1 -all moo");
    auto o = run(dns, "192.0.2.1", "x@example.com");
    EXPECT_EQ(o.result, Result::PermError);
    EXPECT_NE(o.problem.find("moo"), std::string::npos);
}

TEST(FilterSpf, RecordsAreSevenBitAscii) {
    EXPECT_EQ(result_of("v=spf1 a:\xEF\xBB\xBFgarbage.example.net -all"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 \x80"
                        "a:example.net -all"),
              Result::PermError);
    EXPECT_EQ(result_of("v=spf1 a:example.net \x96"
                        "all"),
              Result::PermError);
    EXPECT_EQ(result_of("v=spf1 a:ctrl.example.com\rptr -all"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.2.1\t-all"), Result::PermError);
    EXPECT_EQ(result_of(std::string("v=spf1 a:foo.example.com\0", 25)), Result::PermError);
}

TEST(FilterSpf, ModifierNames) {
    EXPECT_EQ(result_of("v=spf1 moo.cow-far_out=man:dog/cat ip4:192.0.2.1 -all"), Result::Pass);
    EXPECT_EQ(result_of("v=spf1 moo.cow/far_out=man:dog/cat ip4:192.0.2.1 -all"),
              Result::PermError);
    EXPECT_EQ(result_of("v=spf1 moo.cow:far_out=man:dog/cat ip4:192.0.2.1 -all"),
              Result::PermError);
    EXPECT_EQ(result_of("v=spf1 1up=foo"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 =all"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 default=pass"), Result::Neutral);  // unknown: ignored
    EXPECT_EQ(result_of("v=spf1 default=+"), Result::Neutral);
    EXPECT_EQ(result_of("v=spf1 -all foo=%abc"), Result::PermError);  // bad macro
    EXPECT_EQ(result_of("v=spf1 -all foo=%{t}"), Result::PermError);  // t is exp-only
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.2.1 redirect:other.example.com"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 +redirect=other.example.com"), Result::PermError);
}

TEST(FilterSpf, MechanismNamesAreCaseInsensitive) {
    EXPECT_EQ(result_of("v=spf1 IP4:192.0.2.1 -ALL"), Result::Pass);
    EXPECT_EQ(result_of("v=spf1 A -all"), Result::Pass);
    EXPECT_EQ(result_of("v=spf1 -All", "192.0.2.1"), Result::Fail);
    EXPECT_EQ(result_of("v=spf1 frobnicate -all"), Result::PermError);
}

// ---------------------------------------------------------------------------------------
// all (§5.1)

TEST(FilterSpf, AllMechanism) {
    EXPECT_EQ(result_of("v=spf1 -all."), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 -all:foobar"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 -all/8"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ?all"), Result::Neutral);
    EXPECT_EQ(result_of("v=spf1 all -all"), Result::Pass);
}

// ---------------------------------------------------------------------------------------
// include (§5.2)

class FilterSpfInclude : public ::testing::Test {
  protected:
    void SetUp() override {
        dns.txt("pass.example.org", "v=spf1 ip4:192.0.2.1 -all");
        dns.txt("fail.example.org", "v=spf1 ip4:192.0.2.99 -all");
        dns.txt("soft.example.org", "v=spf1 ip4:192.0.2.99 ~all");
        dns.txt("neutral.example.org", "v=spf1 ip4:192.0.2.99 ?all");
        dns.fail("temp.example.org", DnsType::TXT);
        dns.txt("perm.example.org", "v=spf1 include +all");
        dns.txt("nospf.example.org", "v=spf2 am not an SPF record");
    }
    Result with(const std::string& record) {
        dns.txt("example.com", record);
        auto o = run(dns, "192.0.2.1", "x@example.com");
        dns = FakeDns{};
        SetUp();
        return o.result;
    }
    FakeDns dns;
};

TEST_F(FilterSpfInclude, RecursiveResults) {
    EXPECT_EQ(with("v=spf1 include:pass.example.org -all"), Result::Pass);
    EXPECT_EQ(with("v=spf1 -include:pass.example.org +all"), Result::Fail);
    EXPECT_EQ(with("v=spf1 include:fail.example.org ~all"), Result::SoftFail);
    EXPECT_EQ(with("v=spf1 include:soft.example.org all"), Result::Pass);
    EXPECT_EQ(with("v=spf1 include:neutral.example.org -all"), Result::Fail);
    EXPECT_EQ(with("v=spf1 include:temp.example.org -all"), Result::TempError);
    EXPECT_EQ(with("v=spf1 include:perm.example.org -all"), Result::PermError);
    EXPECT_EQ(with("v=spf1 include:nospf.example.org -all"), Result::PermError);
    EXPECT_EQ(with("v=spf1 include:nxdomain.example.org -all"), Result::PermError);
}

TEST_F(FilterSpfInclude, Syntax) {
    EXPECT_EQ(with("v=spf1 include"), Result::PermError);
    EXPECT_EQ(with("v=spf1 include: -all"), Result::PermError);
    EXPECT_EQ(with("v=spf1 include:pass.example.org/24 -all"), Result::PermError);
    EXPECT_EQ(with("v=spf1 include:pass.example.org. -all"), Result::Pass);  // trailing dot
}

TEST_F(FilterSpfInclude, MechanismIsTheIncludeAsWritten) {
    dns.txt("example.com", "v=spf1 include:pass.example.org -all");
    auto o = run(dns, "192.0.2.1", "x@example.com");
    EXPECT_EQ(o.mechanism, "include:pass.example.org");
}

// ---------------------------------------------------------------------------------------
// a (§5.3)

class FilterSpfA : public ::testing::Test {
  protected:
    void SetUp() override {
        dns.a("mail.example.com", "192.0.2.4");
        dns.a("dual.example.com", "192.0.2.5");
        dns.aaaa("dual.example.com", "2001:db8:1234::dead:beef");
        dns.a("multi.example.com", "198.51.100.1");
        dns.a("multi.example.com", "192.0.2.5");
        dns.a("v4only.example.com", "198.51.100.1");
        dns.aaaa("v6only.example.com", "2001:db8::1");
        dns.a("foo:bar/baz.example.com", "192.0.2.4");
        dns.a("foo.example.xn--zckzah", "192.0.2.4");
    }
    Result with(const std::string& record, const std::string& ip = "192.0.2.4") {
        dns.spf("t.example.com", record);
        auto r = run(dns, ip, "x@t.example.com").result;
        dns = FakeDns{};
        SetUp();
        return r;
    }
    FakeDns dns;
};

TEST_F(FilterSpfA, DualCidrLengths) {
    EXPECT_EQ(with("v=spf1 a:dual.example.com/24//64 -all"), Result::Pass);
    EXPECT_EQ(with("v=spf1 a:dual.example.com/24//64 -all", "2001:db8:1234::cafe:babe"),
              Result::Pass);
    EXPECT_EQ(with("v=spf1 a:dual.example.com/24 -all", "2001:db8:1234::cafe:babe"),
              Result::Fail);  // the IPv6 length stays 128
    EXPECT_EQ(with("v=spf1 a:dual.example.com//64 -all"), Result::Fail);  // IPv4 stays 32
    EXPECT_EQ(with("v=spf1 a:dual.example.com//33 -all"), Result::Fail);  // valid for IPv6
    EXPECT_EQ(with("v=spf1 a:dual.example.com/24/64 -all"), Result::PermError);
    EXPECT_EQ(with("v=spf1 a/33 -all"), Result::PermError);
    EXPECT_EQ(with("v=spf1 a//129 -all"), Result::PermError);
    EXPECT_EQ(with("v=spf1 a/024 -all"), Result::PermError);  // no leading zeros
    EXPECT_EQ(with("v=spf1 a/ -all"), Result::PermError);
    EXPECT_EQ(with("v=spf1 a:mail.example.com/ -all"), Result::PermError);
}

TEST_F(FilterSpfA, Matching) {
    EXPECT_EQ(with("v=spf1 a:multi.example.com -all", "192.0.2.5"), Result::Pass);
    EXPECT_EQ(with("v=spf1 a:multi.example.com/24 -all", "192.0.2.77"), Result::Pass);
    EXPECT_EQ(with("v=spf1 a:nxdomain.example.com/0 -all"), Result::Fail);  // no address
    EXPECT_EQ(with("v=spf1 a:v4only.example.com/0 -all"), Result::Pass);
    EXPECT_EQ(with("v=spf1 a:v4only.example.com/0 -all", "2001:db8::7"), Result::Fail);
    EXPECT_EQ(with("v=spf1 a:v6only.example.com//0 -all"), Result::Fail);
    EXPECT_EQ(with("v=spf1 a:v6only.example.com//0 -all", "::ffff:192.0.2.4"), Result::Fail);
    EXPECT_EQ(with("v=spf1 a:v6only.example.com//0 -all", "2001:db8::7"), Result::Pass);
    EXPECT_EQ(with("v=spf1 a:dual.example.com -all", "2001:db8:1234::dead:beef"), Result::Pass);
    EXPECT_EQ(with("v=spf1 a -all"), Result::Fail);  // t.example.com has no address
    // The default target is the current domain.
    dns.txt("t.example.com", "v=spf1 a -all");
    dns.a("t.example.com", "192.0.2.4");
    EXPECT_EQ(run(dns, "192.0.2.4", "x@t.example.com").result, Result::Pass);
    EXPECT_TRUE(dns.asked("t.example.com", DnsType::A));
}

TEST_F(FilterSpfA, QueriesAaaaForIpv6AndAForMappedClients) {
    dns.txt("t.example.com", "v=spf1 a:dual.example.com -all");
    run(dns, "2001:db8::1", "x@t.example.com");
    EXPECT_TRUE(dns.asked("dual.example.com", DnsType::AAAA));
    EXPECT_FALSE(dns.asked("dual.example.com", DnsType::A));
    dns.log.clear();
    EXPECT_EQ(run(dns, "::ffff:192.0.2.5", "x@t.example.com").result, Result::Pass);
    EXPECT_TRUE(dns.asked("dual.example.com", DnsType::A));
}

TEST_F(FilterSpfA, DomainSpecSyntax) {
    EXPECT_EQ(with("v=spf1 a:111.222.33.44"), Result::PermError);  // numeric top label
    EXPECT_EQ(with("v=spf1 a:abc.123"), Result::PermError);
    EXPECT_EQ(with("v=spf1 a:example.-com"), Result::PermError);
    EXPECT_EQ(with("v=spf1 a:example.com-"), Result::PermError);
    EXPECT_EQ(with("v=spf1 a:museum"), Result::PermError);  // only a top label
    EXPECT_EQ(with("v=spf1 a:museum."), Result::PermError);
    EXPECT_EQ(with("v=spf1 a:example.com:8080"), Result::PermError);
    EXPECT_EQ(with("v=spf1 a:foo-bar -all"), Result::PermError);
    EXPECT_EQ(with("v=spf1 a:"), Result::PermError);
    EXPECT_EQ(with("v=spf1 a:foo.example.xn--zckzah -all"), Result::Pass);  // dash in top label
    EXPECT_EQ(with("v=spf1 a:foo:bar/baz.example.com"), Result::Pass);      // visible chars allowed
    EXPECT_EQ(with("v=spf1 a:foo:bar/baz.example.com", "::ffff:192.0.2.4"), Result::Pass);
    EXPECT_EQ(with("v=spf1 a-all"), Result::PermError);
}

TEST_F(FilterSpfA, UnqueryableTargetsDoNotMatch) {
    // RFC 7208 leaves these undefined (§4.8); they are treated as names that do not exist.
    EXPECT_EQ(with("v=spf1 a:mail.example...com -all"), Result::Fail);
    EXPECT_EQ(with("v=spf1 a:" + std::string(64, 'a') + ".example.com -all"), Result::Fail);
}

TEST_F(FilterSpfA, DnsErrorIsTempError) {
    dns.fail("broken.example.com", DnsType::A);
    dns.txt("t.example.com", "v=spf1 a:broken.example.com -all");
    auto o = run(dns, "192.0.2.4", "x@t.example.com");
    EXPECT_EQ(o.result, Result::TempError);
    EXPECT_NE(o.problem.find("broken.example.com"), std::string::npos);
    // No error when an earlier mechanism matches: evaluation stops there.
    dns.txt("u.example.com", "v=spf1 ip4:192.0.2.4 a:broken.example.com -all");
    EXPECT_EQ(run(dns, "192.0.2.4", "x@u.example.com").result, Result::Pass);
}

TEST_F(FilterSpfA, NoLimitOnTheAddressesOfOneName) {
    for (int i = 1; i <= 12; ++i) dns.a("many.example.com", "192.0.2." + std::to_string(i));
    dns.txt("t.example.com", "v=spf1 a:many.example.com -all");
    EXPECT_EQ(run(dns, "192.0.2.12", "x@t.example.com").result, Result::Pass);
}

// ---------------------------------------------------------------------------------------
// mx (§5.4)

class FilterSpfMx : public ::testing::Test {
  protected:
    void SetUp() override {
        dns.mx("t.example.com", "mx1.example.com");
        dns.mx("t.example.com", "mx2.example.com");
        dns.a("mx1.example.com", "198.51.100.1");
        dns.a("mx2.example.com", "192.0.2.5");
        dns.aaaa("mx2.example.com", "2001:db8::5");
    }
    Result with(const std::string& record, const std::string& ip = "192.0.2.5") {
        dns.spf("t.example.com", record);
        return run(dns, ip, "x@t.example.com").result;
    }
    FakeDns dns;
};

TEST_F(FilterSpfMx, MatchesAnyAddressOfAnyHost) {
    EXPECT_EQ(with("v=spf1 mx -all"), Result::Pass);
    EXPECT_EQ(with("v=spf1 mx -all", "198.51.100.1"), Result::Pass);
    EXPECT_EQ(with("v=spf1 mx -all", "198.51.100.2"), Result::Fail);
    EXPECT_EQ(with("v=spf1 mx/24 -all", "198.51.100.2"), Result::Pass);
    EXPECT_EQ(with("v=spf1 mx -all", "2001:db8::5"), Result::Pass);
    EXPECT_EQ(with("v=spf1 mx//64 -all", "2001:db8::77"), Result::Pass);
    EXPECT_EQ(with("v=spf1 mx/0 -all", "2001:db8:ffff::1"), Result::Fail);  // v4 length only
    EXPECT_EQ(with("v=spf1 mx//0 -all", "::ffff:10.0.0.1"), Result::Fail);
}

TEST_F(FilterSpfMx, HostAddressesAreLookedUpInOneBatch) {
    EXPECT_EQ(with("v=spf1 mx -all", "198.51.100.9"), Result::Fail);
    // TXT, MX, then one batch with both hosts.
    EXPECT_EQ(dns.batches, 3);
    EXPECT_TRUE(dns.asked("mx1.example.com", DnsType::A));
    EXPECT_TRUE(dns.asked("mx2.example.com", DnsType::A));
}

TEST_F(FilterSpfMx, OtherTargetAndSyntax) {
    dns.mx("foo.example.com", "mx2.example.com");
    EXPECT_EQ(with("v=spf1 mx:foo.example.com -all"), Result::Pass);
    EXPECT_EQ(with("v=spf1 mx:foo.example.com/24//64 -all"), Result::Pass);
    EXPECT_EQ(with("v=spf1 mx/33 -all"), Result::PermError);
    EXPECT_EQ(with("v=spf1 mx//129 -all"), Result::PermError);
    EXPECT_EQ(with("v=spf1 mx:abc.123"), Result::PermError);
    EXPECT_EQ(with("v=spf1 mx:example.com:8080"), Result::PermError);
    EXPECT_EQ(with("v=spf1 mx: -all"), Result::PermError);
}

TEST_F(FilterSpfMx, NoImplicitMx) {
    dns.txt("e4.example.com", "v=spf1 mx");
    dns.a("e4.example.com", "192.0.2.5");
    EXPECT_EQ(run(dns, "192.0.2.5", "x@e4.example.com").result, Result::Neutral);
}

TEST_F(FilterSpfMx, NullMxHasNoHosts) {
    dns.txt("null.example.com", "v=spf1 mx");
    dns.mx("null.example.com", "");
    dns.a("null.example.com", "192.0.2.5");
    EXPECT_EQ(run(dns, "192.0.2.5", "", "null.example.com").result, Result::Neutral);
}

TEST_F(FilterSpfMx, MoreThanTenNamesIsPermError) {
    dns.txt("ten.example.com", "v=spf1 mx");
    dns.txt("eleven.example.com", "v=spf1 mx");
    for (int i = 0; i < 10; ++i) dns.mx("ten.example.com", "mx1.example.com");
    for (int i = 0; i < 11; ++i) dns.mx("eleven.example.com", "mx2.example.com");
    EXPECT_EQ(run(dns, "198.51.100.1", "x@ten.example.com").result, Result::Pass);
    auto o = run(dns, "192.0.2.5", "x@eleven.example.com");
    EXPECT_EQ(o.result, Result::PermError);
    EXPECT_NE(o.problem.find("MX"), std::string::npos);
}

TEST_F(FilterSpfMx, DnsErrors) {
    dns.fail("mx1.example.com", DnsType::A);
    // mx1 comes first and fails before mx2 would match.
    EXPECT_EQ(with("v=spf1 mx -all"), Result::TempError);
    dns.fail("t.example.com", DnsType::MX);
    EXPECT_EQ(with("v=spf1 ip4:203.0.113.1 mx -all"), Result::TempError);
}

TEST_F(FilterSpfMx, MatchBeforeAFailingHostCounts) {
    dns.fail("mx2.example.com", DnsType::A);
    EXPECT_EQ(with("v=spf1 mx -all", "198.51.100.1"), Result::Pass);
}

// ---------------------------------------------------------------------------------------
// ptr (§5.5)

class FilterSpfPtr : public ::testing::Test {
  protected:
    void SetUp() override {
        dns.a("mail.example.com", "192.0.2.4");
        dns.aaaa("mail.example.com", "2001:db8::1");
        dns.ptr("4.2.0.192.in-addr.arpa", "e3.example.com");
        dns.ptr("4.2.0.192.in-addr.arpa", "e4.example.com");
        dns.ptr("4.2.0.192.in-addr.arpa", "mail.example.com.");
        dns.a("e3.example.com", "192.0.2.4");
        dns.aaaa("e3.example.com", "cafe:babe::1");
        dns.ptr("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.e.b.a.b.e.f.a.c.ip6.arpa",
                "e3.example.com");
        dns.ptr("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                "mail.Example.com");
    }
    Result with(const std::string& domain, const std::string& record,
                const std::string& ip = "192.0.2.4") {
        dns.spf(domain, record);
        return run(dns, ip, "x@" + domain).result;
    }
    FakeDns dns;
};

TEST_F(FilterSpfPtr, ValidatedNames) {
    EXPECT_EQ(with("e2.example.com", "v=spf1 ptr:example.com -all"), Result::Pass);
    EXPECT_EQ(with("e3.example.com", "v=spf1 ptr -all"), Result::Pass);
    EXPECT_EQ(with("e4.example.com", "v=spf1 ptr -all"), Result::Fail);  // not validated
    EXPECT_EQ(with("e3.example.com", "v=spf1 ptr -all", "CAFE:BABE::1"), Result::Pass);
    EXPECT_EQ(with("e6.example.com", "v=spf1 ptr:example.Com -all", "2001:db8::1"), Result::Pass);
    EXPECT_EQ(with("e7.example.com", "v=spf1 ptr:ample.com -all"), Result::Fail);
}

TEST_F(FilterSpfPtr, Syntax) {
    EXPECT_EQ(with("e1.example.com", "v=spf1 ptr/0 -all"), Result::PermError);
    EXPECT_EQ(with("e5.example.com", "v=spf1 ptr:"), Result::PermError);
}

TEST_F(FilterSpfPtr, DnsErrorsDoNotMatch) {
    dns.fail("5.2.0.192.in-addr.arpa", DnsType::PTR);
    EXPECT_EQ(with("e8.example.com", "v=spf1 ptr ?all", "192.0.2.5"), Result::Neutral);
    dns.ptr("6.2.0.192.in-addr.arpa", "bad.example.com");
    dns.ptr("6.2.0.192.in-addr.arpa", "good.example.com");
    dns.fail("bad.example.com", DnsType::A);
    dns.a("good.example.com", "192.0.2.6");
    EXPECT_EQ(with("e9.example.com", "v=spf1 ptr:example.com -all", "192.0.2.6"), Result::Pass);
}

TEST_F(FilterSpfPtr, OnlyTenNamesAreLookedAt) {
    for (int i = 1; i <= 10; ++i)
        dns.ptr("5.3.2.1.in-addr.arpa", "e" + std::to_string(i) + ".example.org.");
    dns.ptr("5.3.2.1.in-addr.arpa", "e5.example.com.");
    dns.a("e5.example.com", "1.2.3.5");
    EXPECT_EQ(with("e5.example.com", "v=spf1 ptr", "1.2.3.5"), Result::Neutral);
    EXPECT_FALSE(dns.asked("e5.example.com", DnsType::A));
}

// ---------------------------------------------------------------------------------------
// ip4 / ip6 (§5.6)

TEST(FilterSpf, Ip4Mechanism) {
    EXPECT_EQ(result_of("v=spf1 ip4:1.1.1.1/0 -all"), Result::Pass);
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.2.1/32 -all"), Result::Pass);
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.2.0/24 -all"), Result::Pass);
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.3.0/24 -all"), Result::Fail);
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.2.1/33 -all"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.2.1/032 -all"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip4"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip4:"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.2.1:8080"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.2"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.2.01"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.2.256"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.2.1//32"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip4:2001:db8::1"), Result::PermError);
    // §5 note: an IPv4-mapped IPv6 client is IPv4.
    EXPECT_EQ(result_of("v=spf1 -ip4:192.0.2.1 ip6:::FFFF:192.0.2.1", "::FFFF:192.0.2.1"),
              Result::Fail);
    EXPECT_EQ(result_of("v=spf1 ip4:192.0.2.0/24 -all", "2001:db8::1"), Result::Fail);
}

TEST(FilterSpf, Ip6Mechanism) {
    EXPECT_EQ(result_of("v=spf1 -all ip6"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip6:::1.1.1.1/0"), Result::Neutral);  // IPv4 client
    EXPECT_EQ(result_of("v=spf1 ip6:::1.1.1.1/0", "::FFFF:1.2.3.4"), Result::Neutral);
    EXPECT_EQ(result_of("v=spf1 ip6:::1.1.1.1/0", "DEAF:BABE::CAB:FEE"), Result::Pass);
    EXPECT_EQ(result_of("v=spf1 ip6:::1.1.1.1/129"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip6:::1.1.1.1//33"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip6:Cafe:Babe:8000::/33", "CAFE:BABE:8000::"), Result::Pass);
    EXPECT_EQ(result_of("v=spf1 ip6:Cafe:Babe:8000::/33", "CAFE:BABE:4000::"), Result::Neutral);
    EXPECT_EQ(result_of("v=spf1 ip6:Cafe:Babe:8000::/33"), Result::Neutral);
    EXPECT_EQ(result_of("v=spf1 ip6::CAFE::BABE"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip6:192.0.2.1"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip6:[2001:db8::1]"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 ip6:2001:db8::/032"), Result::PermError);
    EXPECT_EQ(result_of("v=spf1 -ip6:2001:db8::1 +all", "2001:db8::1"), Result::Fail);
}

// ---------------------------------------------------------------------------------------
// exists (§5.7)

TEST(FilterSpf, ExistsMechanism) {
    FakeDns dns;
    dns.a("mail.example.com", "192.0.2.4");
    dns.aaaa("mail6.example.com", "cafe:babe::4");
    dns.fail("err.example.com", DnsType::A);
    auto with = [&](const std::string& record, const std::string& ip = "192.0.2.4") {
        dns.spf("e.example.com", record);
        return run(dns, ip, "x@e.example.com").result;
    };
    EXPECT_EQ(with("v=spf1 exists:"), Result::PermError);
    EXPECT_EQ(with("v=spf1 exists"), Result::PermError);
    EXPECT_EQ(with("v=spf1 exists:mail.example.com/24"), Result::PermError);
    EXPECT_EQ(with("v=spf1 exists:mail.example.com"), Result::Pass);
    dns.log.clear();
    // The lookup is always A, whatever the client's family.
    EXPECT_EQ(with("v=spf1 exists:mail.example.com", "CAFE:BABE::3"), Result::Pass);
    EXPECT_FALSE(dns.asked("mail.example.com", DnsType::AAAA));
    EXPECT_EQ(with("v=spf1 exists:mail6.example.com -all", "CAFE:BABE::3"), Result::Fail);
    EXPECT_EQ(with("v=spf1 exists:err.example.com -all", "CAFE:BABE::3"), Result::TempError);
}

// ---------------------------------------------------------------------------------------
// redirect= and exp= (§6)

class FilterSpfModifiers : public ::testing::Test {
  protected:
    void SetUp() override {
        dns.txt("e2.example.com", "v=spf1 -all");
        dns.txt("e4.example.com", "v=spf1 -all exp=exp2.example.com");
        dns.txt("exp1.example.com", "No-see-um");
        dns.txt("exp2.example.com", "See me.");
        dns.txt("exp3.example.com", "Correct!");
        dns.txt("exp4.example.com", "%{l} in implementation");
        dns.txt("two.example.com", "one");
        dns.txt("two.example.com", "two");
        dns.fail("timeout.example.com", DnsType::TXT);
        dns.txt("bad.example.com", "The %{x}-files.");
        dns.txt("nonascii.example.com",
                "\xEF\xBB\xBF"
                "Explanation");
        dns.a("noexp.example.com", "192.0.2.9");
        dns.txt("spaces.example.com", "  a  b %_%%%- ");
    }
    Outcome with(const std::string& record, const std::string& sender = "foo@t.example.com") {
        dns.spf("t.example.com", record);
        return run(dns, "192.0.2.4", sender);
    }
    FakeDns dns;
};

TEST_F(FilterSpfModifiers, Redirect) {
    auto o = with("v=spf1 ip4:192.0.2.99 redirect=e2.example.com");
    EXPECT_EQ(o.result, Result::Fail);
    EXPECT_EQ(o.mechanism, "-all");
    EXPECT_EQ(o.domain, "t.example.com");
    EXPECT_EQ(with("v=spf1 ip4:192.0.2.4 redirect=e2.example.com").result, Result::Pass);
}

TEST_F(FilterSpfModifiers, RedirectIsIgnoredWithAll) {
    // The redirect would loop past the limit, but "all" makes it unused (§5.1).
    EXPECT_EQ(with("v=spf1 redirect=t.example.com ~all").result, Result::SoftFail);
}

TEST_F(FilterSpfModifiers, RedirectChangesTheCurrentDomain) {
    dns.txt("target.example.com", "v=spf1 a -all");
    dns.a("target.example.com", "192.0.2.4");
    dns.a("t.example.com", "192.0.2.1");
    EXPECT_EQ(with("v=spf1 redirect=target.example.com").result, Result::Pass);
}

TEST_F(FilterSpfModifiers, RedirectErrors) {
    EXPECT_EQ(with("v=spf1 redirect=erehwon.example.com").result, Result::PermError);
    EXPECT_EQ(with("v=spf1 redirect=noexp.example.com").result, Result::PermError);  // no SPF
    EXPECT_EQ(with("v=spf1 redirect=-all ?all").result, Result::PermError);
    EXPECT_EQ(with("v=spf1 ?all redirect=").result, Result::PermError);
    EXPECT_EQ(with("v=spf1 redirect=e2.example.com -all redirect=e2.example.com").result,
              Result::PermError);
    EXPECT_EQ(with("v=spf1 redirect=timeout.example.com").result, Result::TempError);
}

TEST_F(FilterSpfModifiers, Explanation) {
    auto o = with("v=spf1 -all exp=exp3.example.com");
    EXPECT_EQ(o.result, Result::Fail);
    EXPECT_EQ(o.explanation, "Correct!");
    // Only a "fail" has one.
    EXPECT_EQ(with("v=spf1 ~all exp=exp3.example.com").explanation, "");
    EXPECT_EQ(with("v=spf1 exp=exp3.example.com").explanation, "");
    // Local parts may hold spaces.
    EXPECT_EQ(with("v=spf1 -all exp=exp4.example.com", "Macro Error@t.example.com").explanation,
              "Macro Error in implementation");
    EXPECT_EQ(with("v=spf1 -all exp=spaces.example.com").explanation, "  a  b  %%20 ");
}

TEST_F(FilterSpfModifiers, RedirectAndIncludeAndExp) {
    // redirect: the original exp= is dropped, the target's is used.
    auto o = with("v=spf1 exp=exp1.example.com redirect=e2.example.com");
    EXPECT_EQ(o.result, Result::Fail);
    EXPECT_EQ(o.explanation, "");
    EXPECT_EQ(with("v=spf1 exp=exp1.example.com redirect=e4.example.com").explanation, "See me.");
    // include: the included record's exp= is never used.
    dns.txt("e3.example.com", "v=spf1 exp=exp1.example.com redirect=e4.example.com");
    EXPECT_EQ(with("v=spf1 include:e3.example.com -all exp=exp3.example.com").explanation,
              "Correct!");
}

TEST_F(FilterSpfModifiers, BrokenExplanationsAreIgnored) {
    for (const char* target : {"two.example.com", "noexp.example.com", "timeout.example.com",
                               "bad.example.com", "nonascii.example.com", "nx.example.com"}) {
        auto o = with(std::string("v=spf1 -all exp=") + target);
        EXPECT_EQ(o.result, Result::Fail) << target;
        EXPECT_EQ(o.explanation, "") << target;
    }
}

TEST_F(FilterSpfModifiers, ExpSyntaxErrors) {
    EXPECT_EQ(with("v=spf1 exp= -all").result, Result::PermError);
    EXPECT_EQ(with("v=spf1 exp=-all").result, Result::PermError);
    EXPECT_EQ(with("v=spf1 exp=exp1.example.com -all exp=exp2.example.com").result,
              Result::PermError);
    EXPECT_EQ(with("v=spf1 -all exp=%{r}.example.com").result, Result::PermError);
}

TEST_F(FilterSpfModifiers, ExpLookupIsNotAVoidLookup) {
    auto o = with("v=spf1 a:erehwon.example.com a:foobar.example.com exp=nxdomain.com -all");
    EXPECT_EQ(o.result, Result::Fail);
}

// ---------------------------------------------------------------------------------------
// Macros (§7)

namespace {

// Expands a domain-spec the way the RFC 7208 §7.4 examples do.
std::string expand_example(const std::string& spec, bool ipv6 = false) {
    std::string error;
    auto m = spf::parse_domain_spec(spec, &error);
    if (!m) return "error: " + error;
    return spf::expand(*m, [&](char c) -> std::string {
        switch (c) {
            case 's':
                return "strong-bad@email.example.com";
            case 'l':
                return "strong-bad";
            case 'o':
            case 'd':
                return "email.example.com";
            case 'i':
                return ipv6 ? "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1"
                            : "192.0.2.3";
            case 'v':
                return ipv6 ? "ip6" : "in-addr";
            default:
                return "?";
        }
    });
}

}  // namespace

TEST(FilterSpfMacro, Rfc7208Examples) {
    EXPECT_EQ(expand_example("%{s}.x.com"), "strong-bad@email.example.com.x.com");
    EXPECT_EQ(expand_example("%{o}"), "email.example.com");
    EXPECT_EQ(expand_example("%{d}"), "email.example.com");
    EXPECT_EQ(expand_example("%{d4}"), "email.example.com");
    EXPECT_EQ(expand_example("%{d3}"), "email.example.com");
    EXPECT_EQ(expand_example("%{d2}"), "example.com");
    EXPECT_EQ(expand_example("%{d1}"), "com");
    EXPECT_EQ(expand_example("%{dr}"), "com.example.email");
    EXPECT_EQ(expand_example("%{d2r}"), "example.email");
    EXPECT_EQ(expand_example("%{l}"), "strong-bad");
    EXPECT_EQ(expand_example("%{l-}"), "strong.bad");
    EXPECT_EQ(expand_example("%{lr}"), "strong-bad");
    EXPECT_EQ(expand_example("%{lr-}"), "bad.strong");
    EXPECT_EQ(expand_example("%{l1r-}"), "strong");
    EXPECT_EQ(expand_example("%{ir}.%{v}._spf.%{d2}"), "3.2.0.192.in-addr._spf.example.com");
    EXPECT_EQ(expand_example("%{lr-}.lp._spf.%{d2}"), "bad.strong.lp._spf.example.com");
    EXPECT_EQ(expand_example("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}"),
              "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
    EXPECT_EQ(expand_example("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}"),
              "3.2.0.192.in-addr.strong.lp._spf.example.com");
    EXPECT_EQ(expand_example("%{d2}.trusted-domains.example.net"),
              "example.com.trusted-domains.example.net");
    EXPECT_EQ(
        expand_example("%{ir}.%{v}._spf.%{d2}", true),
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST(FilterSpfMacro, TransformersAndEscapes) {
    EXPECT_EQ(expand_example("%{D2R}"), "example.email");
    EXPECT_EQ(expand_example("%{d999}"), "email.example.com");
    EXPECT_EQ(expand_example("%{l-.}"), "strong.bad");
    EXPECT_EQ(expand_example("a%%b%_c%-d.example.com"), "a%b c%20d.example.com");
    EXPECT_EQ(expand_example("%{S}"), "strong-bad%40email.example.com");
    EXPECT_EQ(spf::url_escape("~jack&jill=up-a_b3.c"), "~jack%26jill%3Dup-a_b3.c");
    EXPECT_EQ(spf::url_escape("a b/\xC3\xA9"), "a%20b%2F%C3%A9");
}

TEST(FilterSpfMacro, ExpansionIsBoundedAndKeepsItsEnd) {
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "%{S}.";
    text += "end.example";
    auto m = spf::parse_macro_string(text, spf::MacroContext::Domain, nullptr);
    ASSERT_TRUE(m);
    std::string long_value(300, 'x');
    std::string out = spf::expand(*m, [&](char) { return long_value; });
    EXPECT_EQ(out.size(), spf::kMaxExpansion);
    EXPECT_TRUE(out.ends_with("x.end.example"));
}

TEST(FilterSpfMacro, SyntaxErrors) {
    for (const char* bad :
         {"%{d0}.example.com", "%{x}.example.com", "%{c}.example.com", "%{r}.example.com",
          "%{t}.example.com", "%(ir).example.com", "foo%.example.com", "%{d", "%{d2q}.example.com",
          "%", "%{", "example.com%", "a b.example.com", "%{dr2}.example.com"}) {
        std::string error;
        EXPECT_FALSE(spf::parse_domain_spec(bad, &error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
    for (const char* good : {"%{d}", "%{d}.com", "a.b.c", "a.b.c.", "x.%{d}.%{i}", "%{l}%%",
                             "foo.example.com-1", "a.xn--zckzah", "a.1-2"}) {
        std::string error;
        EXPECT_TRUE(spf::parse_domain_spec(good, &error)) << good << ": " << error;
    }
    // c, r and t are allowed in explanations, and spaces too.
    EXPECT_TRUE(
        spf::parse_macro_string("%{c} %{r} at %{t}", spf::MacroContext::Explanation, nullptr));
    EXPECT_FALSE(spf::parse_macro_string("%{c} %{r}", spf::MacroContext::Domain, nullptr));
}

class FilterSpfMacros : public ::testing::Test {
  protected:
    Outcome check(const std::string& ip, const std::string& sender,
                  const std::string& helo = "msgbas2x.cos.example.com") {
        return run(dns, ip, sender, helo);
    }
    FakeDns dns;
};

TEST_F(FilterSpfMacros, TrailingDots) {
    dns.txt("example.com", "v=spf1 redirect=%{d}.d.spf.example.com.");
    dns.txt("example.com.d.spf.example.com", "v=spf1 redirect=a.spf.example.com");
    dns.txt("a.spf.example.com", "v=spf1 include:o.spf.example.com. ~all");
    dns.txt("o.spf.example.com", "v=spf1 ip4:192.168.218.40");
    EXPECT_EQ(check("192.168.218.40", "test@example.com").result, Result::Pass);
    // The explanation keeps its trailing dot.
    dns.txt("exp.example.com", "v=spf1 exp=msg.example.com. -all");
    dns.txt("msg.example.com", "This is a test.");
    EXPECT_EQ(check("192.168.218.40", "test@exp.example.com").explanation, "This is a test.");
}

TEST_F(FilterSpfMacros, MacroSyntaxErrorsInRecords) {
    dns.txt("e1.example.com", "v=spf1 -exists:%(ir).sbl.example.com ?all");
    dns.txt("e1e.example.com", "v=spf1 exists:foo%(ir).sbl.example.com ?all");
    dns.txt("e1t.example.com", "v=spf1 exists:foo%.sbl.example.com ?all");
    dns.txt("e2.example.com", "v=spf1 -all exp=%{r}.example.com");
    dns.txt("e5.example.com", "v=spf1 a:%{a}.example.com -all");
    dns.txt("e6.example.com", "v=spf1 exists:%{l0}.example.com -all");
    for (const char* d : {"e1", "e1e", "e1t", "e2", "e5", "e6"})
        EXPECT_EQ(check("192.168.218.40", std::string("test@") + d + ".example.com").result,
                  Result::PermError)
            << d;
}

TEST_F(FilterSpfMacros, PercentEscapesInADomain) {
    dns.txt("e1a.example.com", "v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all");
    dns.a("macro%percent  space%20url-space.example.com", "1.2.3.4");
    EXPECT_EQ(check("1.2.3.4", "test@e1a.example.com").result, Result::Pass);
}

TEST_F(FilterSpfMacros, ExplanationMacros) {
    dns.txt("e3.example.com", "v=spf1 -all exp=%{ir}.example.com");
    dns.txt("40.218.168.192.example.com", "Connections from %{c} not authorized.");
    EXPECT_EQ(check("192.168.218.40", "test@e3.example.com").explanation,
              "Connections from 192.168.218.40 not authorized.");
    dns.txt("e4.example.com", "v=spf1 -all exp=e4msg.example.com");
    dns.txt("e4msg.example.com", "%{c} is queried as %{ir}.%{v}.arpa");
    EXPECT_EQ(check("192.168.218.40", "test@e4.example.com").explanation,
              "192.168.218.40 is queried as 40.218.168.192.in-addr.arpa");
    EXPECT_EQ(check("CAFE:BABE::1", "test@e4.example.com").explanation,
              "cafe:babe::1 is queried as "
              "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.e.b.a.b.e.f.a.c.ip6.arpa");
    dns.txt("r.example.com", "v=spf1 -all exp=rmsg.example.com");
    dns.txt("rmsg.example.com", "%{r} %{R} %{d1r}");
    EXPECT_EQ(check("192.0.2.1", "test@r.example.com").explanation,
              "mx.receiver.example mx.receiver.example r");
    dns.txt("t.example.com", "v=spf1 -all exp=tmsg.example.com");
    dns.txt("tmsg.example.com", "at %{t}");
    auto t = check("192.0.2.1", "test@t.example.com").explanation;
    ASSERT_GT(t.size(), 4u);
    EXPECT_GT(std::stoll(t.substr(3)), 1600000000LL);
}

TEST_F(FilterSpfMacros, UpperCaseMacrosAreUrlEscaped) {
    dns.txt("e8.example.com", "v=spf1 -all exp=msg8.%{D2}");
    dns.txt("msg8.example.com", "http://example.com/why.html?l=%{L}");
    EXPECT_EQ(check("192.168.218.42", "~jack&jill=up-a_b3.c@e8.example.com").explanation,
              "http://example.com/why.html?l=~jack%26jill%3Dup-a_b3.c");
}

TEST_F(FilterSpfMacros, DomainNameTruncation) {
    dns.txt("somewhat.long.exp.example.com",
            "v=spf1 -all exp=foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com");
    std::string o = "somewhat.long.exp.example.com";
    std::string name =
        o + "." + o + "." + o + "." + o + "." + o + "." + o + "." + o + "." + o + ".example.com";
    ASSERT_LE(name.size(), 253u);
    dns.txt(name, "Congratulations!  That was tricky.");
    EXPECT_EQ(check("192.168.218.40", "test@" + o).explanation,
              "Congratulations!  That was tricky.");
}

TEST_F(FilterSpfMacros, PMacro) {
    dns.txt("e6.example.com", "v=spf1 -all exp=e6msg.example.com");
    dns.txt("e6msg.example.com", "connect from %{p}");
    dns.a("mx.example.com", "192.168.218.41");
    dns.a("mx.example.com", "192.168.218.42");
    dns.aaaa("mx.example.com", "cafe:babe::2");
    dns.aaaa("mx.example.com", "cafe:babe::3");
    dns.ptr("40.218.168.192.in-addr.arpa", "mx.example.com");
    dns.ptr("41.218.168.192.in-addr.arpa", "mx.example.com");
    dns.ptr("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.e.b.a.b.e.f.a.c.ip6.arpa",
            "mx.example.com");
    dns.ptr("3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.e.b.a.b.e.f.a.c.ip6.arpa",
            "mx.example.com");
    EXPECT_EQ(check("192.168.218.40", "test@e6.example.com").explanation, "connect from unknown");
    EXPECT_EQ(check("192.168.218.41", "test@e6.example.com").explanation,
              "connect from mx.example.com");
    EXPECT_EQ(check("CAFE:BABE::1", "test@e6.example.com").explanation, "connect from unknown");
    EXPECT_EQ(check("CAFE:BABE::3", "test@e6.example.com").explanation,
              "connect from mx.example.com");
}

TEST_F(FilterSpfMacros, PMacroPrefersASubdomainOfTheDomain) {
    dns.a("mx.example.com", "192.168.218.42");
    dns.a("mx.e7.example.com", "192.168.218.42");
    dns.ptr("42.218.168.192.in-addr.arpa", "mx.example.com");
    dns.ptr("42.218.168.192.in-addr.arpa", "mx.e7.example.com");
    dns.a("mx.e7.example.com.should.example.com", "127.0.0.2");
    dns.a("mx.example.com.ok.example.com", "127.0.0.2");
    dns.txt("e7.example.com", "v=spf1 exists:%{p}.should.example.com ~exists:%{p}.ok.example.com");
    EXPECT_EQ(check("192.168.218.42", "test@e7.example.com").result, Result::Pass);
}

TEST_F(FilterSpfMacros, HeloMacro) {
    dns.a("msgbas2x.cos.example.com", "192.168.218.40");
    dns.txt("e9.example.com", "v=spf1 a:%{H} -all");
    EXPECT_EQ(check("192.168.218.40", "test@e9.example.com").result, Result::Pass);
    // Syntax is checked before expansion: a strange HELO only makes a name that is not found.
    EXPECT_EQ(check("192.168.218.40", "test@e9.example.com", "JUMPIN' JUPITER").result,
              Result::Fail);
    EXPECT_EQ(check("192.168.218.40", "test@e9.example.com", "[192.168.218.40]").result,
              Result::Fail);
    EXPECT_TRUE(dns.asked("%5B192.168.218.40%5D", DnsType::A));
}

TEST_F(FilterSpfMacros, RequireValidHeloPolicy) {
    dns.txt("e10.example.com", "v=spf1 -include:_spfh.%{d2} ip4:1.2.3.0/24 -all");
    dns.txt("_spfh.example.com", "v=spf1 -a:%{h} +all");
    dns.a("mail.example.com", "1.2.3.4");
    EXPECT_EQ(check("1.2.3.4", "test@e10.example.com", "OEMCOMPUTER").result, Result::Fail);
    EXPECT_EQ(check("1.2.3.4", "test@e10.example.com", "mail.example.com").result, Result::Pass);
}

TEST_F(FilterSpfMacros, DelimitersAndReversal) {
    dns.txt("e11.example.com", "v=spf1 exists:%{i}.%{l2r-}.user.%{d2}");
    dns.a("1.2.3.4.gladstone.philip.user.example.com", "127.0.0.2");
    EXPECT_EQ(check("1.2.3.4", "philip-gladstone-test@e11.example.com").result, Result::Pass);
    dns.txt("e12.example.com", "v=spf1 exists:%{l2r+-}.user.%{d2}");
    dns.a("bar.foo.user.example.com", "127.0.0.2");
    EXPECT_EQ(check("1.2.3.4", "foo-bar+zip+quux@e12.example.com").result, Result::Pass);
}

TEST_F(FilterSpfMacros, Ipv6MacrosInQueries) {
    dns.txt("v6.example.com", "v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all");
    dns.a("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
          "127.0.0.2");
    EXPECT_EQ(check("2001:db8::cb01", "x@v6.example.com").result, Result::Pass);
}

// ---------------------------------------------------------------------------------------
// Processing limits (§4.6.4)

class FilterSpfLimits : public ::testing::Test {
  protected:
    Outcome check(const std::string& domain, const std::string& ip = "1.2.3.4") {
        return run(dns, ip, "foo@" + domain);
    }
    FakeDns dns;
};

TEST_F(FilterSpfLimits, RedirectLoop) {
    dns.txt("e1.example.com", "v=spf1 ip4:1.1.1.1 redirect=e1.example.com");
    auto o = check("e1.example.com");
    EXPECT_EQ(o.result, Result::PermError);
    EXPECT_NE(o.problem.find("DNS-querying terms"), std::string::npos);
    EXPECT_LE(dns.log.size(), 12u);
}

TEST_F(FilterSpfLimits, IncludeLoop) {
    dns.txt("e2.example.com", "v=spf1 include:e3.example.com");
    dns.txt("e3.example.com", "v=spf1 include:e2.example.com");
    EXPECT_EQ(check("e2.example.com").result, Result::PermError);
    EXPECT_LE(dns.log.size(), 12u);
}

TEST_F(FilterSpfLimits, MechanismsAtAndOverTheLimit) {
    dns.txt("e6.example.com", "v=spf1 a mx a mx a mx a mx a ptr ip4:1.2.3.4 -all");
    dns.a("e6.example.com", "1.2.3.8");
    dns.mx("e6.example.com", "e6.example.com");
    EXPECT_EQ(check("e6.example.com").result, Result::Pass);
    dns.txt("e7.example.com", "v=spf1 a mx a mx a mx a mx a ptr a ip4:1.2.3.4 -all");
    dns.a("e7.example.com", "1.2.3.20");
    EXPECT_EQ(check("e7.example.com").result, Result::PermError);
}

TEST_F(FilterSpfLimits, IncludesCountTheirTerms) {
    dns.txt("inc.example.com", "v=spf1 a a a a a a a a");
    dns.a("inc.example.com", "1.2.3.10");
    dns.txt("e8.example.com", "v=spf1 a include:inc.example.com ip4:1.2.3.4 mx -all");
    dns.a("e8.example.com", "1.2.3.4");
    EXPECT_EQ(check("e8.example.com").result, Result::Pass);
    dns.txt("e9.example.com", "v=spf1 a include:inc.example.com a ip4:1.2.3.4 -all");
    dns.a("e9.example.com", "1.2.3.21");
    EXPECT_EQ(check("e9.example.com").result, Result::PermError);
}

TEST_F(FilterSpfLimits, NonDnsTermsAreFree) {
    std::string record = "v=spf1";
    for (int i = 0; i < 30; ++i) record += " ip4:10.0.0." + std::to_string(i);
    for (int i = 0; i < 10; ++i) record += " a";
    record += " ip6:2001:db8::/32 -all exp=x.example.com";
    dns.txt("many.example.com", record);
    dns.a("many.example.com", "192.0.2.1");
    dns.txt("x.example.com", "no");
    auto o = check("many.example.com");
    EXPECT_EQ(o.result, Result::Fail);
    EXPECT_EQ(o.explanation, "no");
}

TEST_F(FilterSpfLimits, VoidLookups) {
    dns.txt("e12.example.com", "v=spf1 a:err.example.com a:err1.example.com ?all");
    EXPECT_EQ(check("e12.example.com").result, Result::Neutral);
    dns.txt("e11.example.com",
            "v=spf1 a:err.example.com a:err1.example.com a:err2.example.com ?all");
    auto o = check("e11.example.com");
    EXPECT_EQ(o.result, Result::PermError);
    EXPECT_NE(o.problem.find("void"), std::string::npos);
    // NoData counts too, as do MX and exists lookups.
    dns.txt("nodata.example.com", "v=spf1 a mx exists:nx.example.com ?all");
    EXPECT_EQ(check("nodata.example.com").result, Result::PermError);
    dns.txt("ptrs.example.com", "v=spf1 ptr ptr ptr ?all");
    EXPECT_EQ(check("ptrs.example.com").result, Result::PermError);
}

TEST_F(FilterSpfLimits, VoidLookupsAcrossIncludes) {
    dns.txt("inc.example.com", "v=spf1 a:nx1.example.com a:nx2.example.com ?all");
    dns.txt("top.example.com", "v=spf1 include:inc.example.com a:nx3.example.com ?all");
    EXPECT_EQ(check("top.example.com").result, Result::PermError);
}

// ---------------------------------------------------------------------------------------
// The DnsLookup contract

TEST(FilterSpf, ShortOrEmptyDnsRepliesAreTempFail) {
    spf::Request req;
    req.ip = "192.0.2.1";
    req.sender = "x@example.com";
    auto short_reply = [](const std::vector<DnsQuery>&) { return std::vector<DnsReply>{}; };
    EXPECT_EQ(spf::check(req, short_reply).result, Result::TempError);
    EXPECT_EQ(spf::check(req, DnsLookup{}).result, Result::TempError);
}

// ---------------------------------------------------------------------------------------
// Record parser (internal)

TEST(FilterSpfRecord, ParsesTerms) {
    std::string error;
    auto rec = spf::parse_record(
        "v=spf1 a:mail.example.com/24//64 -mx ~ptr ?ip4:192.0.2.0/24 ip6:2001:db8::/32 "
        "include:_spf.example.net exists:%{ir}.x.example.org -all redirect=r.example.com "
        "exp=e.example.com x-unknown=%{d}",
        &error);
    ASSERT_TRUE(rec) << error;
    ASSERT_EQ(rec->mechanisms.size(), 8u);
    EXPECT_EQ(rec->mechanisms[0].kind, spf::MechanismKind::A);
    EXPECT_EQ(rec->mechanisms[0].cidr4, 24);
    EXPECT_EQ(rec->mechanisms[0].cidr6, 64);
    EXPECT_EQ(rec->mechanisms[1].qualifier, spf::Qualifier::Fail);
    EXPECT_EQ(rec->mechanisms[2].qualifier, spf::Qualifier::SoftFail);
    EXPECT_EQ(rec->mechanisms[3].qualifier, spf::Qualifier::Neutral);
    EXPECT_EQ(rec->mechanisms[3].cidr4, 24);
    EXPECT_EQ(rec->mechanisms[4].cidr6, 32);
    EXPECT_EQ(rec->mechanisms[7].text, "-all");
    EXPECT_TRUE(rec->has_all);
    EXPECT_TRUE(rec->redirect);
    EXPECT_TRUE(rec->exp);
}
