// Tests of the Public Suffix List (rules, wildcards, exceptions, IDN rules, the vectors
// publicsuffix.org publishes as test_psl.txt) and of the Punycode encoder (RFC 3492 §7.1).
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "filter/domain_name.h"
#include "filter/public_suffix.h"
#include "filter/punycode.h"

using magpie::filter::domain_to_ascii;
using magpie::filter::normalise_domain;
using magpie::filter::PublicSuffixList;

namespace {

// The rules the publicsuffix.org vectors below exercise, in the list's own format.
constexpr std::string_view kInlineList = R"(// ===BEGIN ICANN DOMAINS===
// A comment line.
ac
com
biz
*.mm
// cn
cn
com.cn
公司.cn
中国

// jp
jp
ac.jp
kyoto.jp
ide.kyoto.jp
*.kobe.jp
!city.kobe.jp

// ck
*.ck
!www.ck

// us
us
ak.us
k12.ak.us
uk
co.uk   trailing text after white space is ignored
// ===END ICANN DOMAINS===
// ===BEGIN PRIVATE DOMAINS===
blogspot.com
uk.com
// ===END PRIVATE DOMAINS===
)";

// Both the inline list and (when installed) Debian's list must give these answers; ""
// stands for the vectors' null. Written from the publicsuffix.org test_psl.txt cases.
struct Vector {
    const char* name;
    const char* expected;
};
constexpr Vector kVectors[] = {
    // Mixed case, leading dots, unlisted TLDs.
    {"COM", ""},
    {"example.COM", "example.com"},
    {"WwW.example.COM", "example.com"},
    {".com", ""},
    {".example", ""},
    {".example.com", ""},
    {".example.example", ""},
    {"example", ""},
    {"example.example", "example.example"},
    {"b.example.example", "example.example"},
    {"a.b.example.example", "example.example"},
    // TLD with only one rule.
    {"biz", ""},
    {"domain.biz", "domain.biz"},
    {"b.domain.biz", "domain.biz"},
    {"a.b.domain.biz", "domain.biz"},
    // TLD with some two-level rules.
    {"com", ""},
    {"example.com", "example.com"},
    {"b.example.com", "example.com"},
    {"a.b.example.com", "example.com"},
    {"uk.com", ""},
    {"example.uk.com", "example.uk.com"},
    {"b.example.uk.com", "example.uk.com"},
    {"test.ac", "test.ac"},
    // A wildcard TLD.
    {"mm", ""},
    {"c.mm", ""},
    {"b.c.mm", "b.c.mm"},
    {"a.b.c.mm", "b.c.mm"},
    // jp: wildcards and exceptions.
    {"jp", ""},
    {"test.jp", "test.jp"},
    {"www.test.jp", "test.jp"},
    {"ac.jp", ""},
    {"test.ac.jp", "test.ac.jp"},
    {"www.test.ac.jp", "test.ac.jp"},
    {"kyoto.jp", ""},
    {"test.kyoto.jp", "test.kyoto.jp"},
    {"ide.kyoto.jp", ""},
    {"b.ide.kyoto.jp", "b.ide.kyoto.jp"},
    {"a.b.ide.kyoto.jp", "b.ide.kyoto.jp"},
    {"c.kobe.jp", ""},
    {"b.c.kobe.jp", "b.c.kobe.jp"},
    {"a.b.c.kobe.jp", "b.c.kobe.jp"},
    {"city.kobe.jp", "city.kobe.jp"},
    {"www.city.kobe.jp", "city.kobe.jp"},
    // ck: a wildcard TLD with an exception.
    {"ck", ""},
    {"test.ck", ""},
    {"b.test.ck", "b.test.ck"},
    {"a.b.test.ck", "b.test.ck"},
    {"www.ck", "www.ck"},
    {"www.www.ck", "www.ck"},
    // us: deeper rules.
    {"us", ""},
    {"test.us", "test.us"},
    {"www.test.us", "test.us"},
    {"ak.us", ""},
    {"test.ak.us", "test.ak.us"},
    {"www.test.ak.us", "test.ak.us"},
    {"k12.ak.us", ""},
    {"test.k12.ak.us", "test.k12.ak.us"},
    {"www.test.k12.ak.us", "test.k12.ak.us"},
    // IDN labels, as U-labels and as A-labels.
    {"食狮.com.cn", "食狮.com.cn"},
    {"食狮.公司.cn", "食狮.公司.cn"},
    {"www.食狮.公司.cn", "食狮.公司.cn"},
    {"shishi.公司.cn", "shishi.公司.cn"},
    {"公司.cn", ""},
    {"食狮.中国", "食狮.中国"},
    {"www.食狮.中国", "食狮.中国"},
    {"shishi.中国", "shishi.中国"},
    {"中国", ""},
    {"xn--85x722f.com.cn", "xn--85x722f.com.cn"},
    {"xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"},
    {"www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"},
    {"shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn"},
    {"xn--55qx5d.cn", ""},
    {"xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"},
    {"www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"},
    {"shishi.xn--fiqs8s", "shishi.xn--fiqs8s"},
    {"xn--fiqs8s", ""},
};

void check_vectors(const PublicSuffixList& psl) {
    for (const auto& v : kVectors)
        EXPECT_EQ(psl.organizational_domain(v.name), v.expected) << "name: " << v.name;
}

}  // namespace

TEST(PublicSuffixTest, InlineListVectors) {
    check_vectors(PublicSuffixList::parse(kInlineList));
}

TEST(PublicSuffixTest, SystemListVectors) {
    if (!std::filesystem::exists("/usr/share/publicsuffix/public_suffix_list.dat"))
        GTEST_SKIP() << "publicsuffix is not installed";
    const auto& psl = PublicSuffixList::system();
    check_vectors(psl);
    EXPECT_EQ(psl.organizational_domain("mail.example.co.uk"), "example.co.uk");
    EXPECT_EQ(psl.organizational_domain("co.uk"), "");
    // Private section rules are used too.
    EXPECT_EQ(psl.organizational_domain("foo.blogspot.com"), "foo.blogspot.com");
    EXPECT_EQ(psl.organizational_domain("a.foo.blogspot.com"), "foo.blogspot.com");
}

TEST(PublicSuffixTest, SystemListIsSharedAcrossThreads) {
    const PublicSuffixList* seen[4] = {};
    std::vector<std::thread> threads;
    for (auto& s : seen) threads.emplace_back([&s] { s = &PublicSuffixList::system(); });
    for (auto& t : threads) t.join();
    for (auto* s : seen) EXPECT_EQ(s, seen[0]);
}

TEST(PublicSuffixTest, EmptyListUsesDefaultRule) {
    PublicSuffixList empty;
    EXPECT_EQ(empty.organizational_domain("a.b.example.co.uk"), "co.uk");
    EXPECT_EQ(empty.organizational_domain("example"), "");
    EXPECT_EQ(PublicSuffixList::parse("").organizational_domain("x.example.org"), "example.org");
}

TEST(PublicSuffixTest, TrailingDotAndBadNames) {
    auto psl = PublicSuffixList::parse(kInlineList);
    EXPECT_EQ(psl.organizational_domain("www.Example.Com."), "example.com");
    EXPECT_EQ(psl.organizational_domain("example.com.."), "");
    EXPECT_EQ(psl.organizational_domain("a..example.com"), "");
    EXPECT_EQ(psl.organizational_domain(""), "");
    EXPECT_EQ(psl.organizational_domain("."), "");
    EXPECT_EQ(psl.organizational_domain("bad\xff.example.com"), "");  // not UTF-8
    EXPECT_EQ(psl.organizational_domain(std::string(300, 'a') + ".com"), "");
}

TEST(PublicSuffixTest, IdeographicFullStopSeparatesLabels) {
    auto psl = PublicSuffixList::parse(kInlineList);
    EXPECT_EQ(psl.organizational_domain("www.食狮\u3002公司\u3002cn"), "食狮.公司.cn");
}

TEST(PublicSuffixTest, MalformedListLinesAreSkipped) {
    auto psl = PublicSuffixList::parse(
        "// comment\r\n\r\n   \t\r\n!\n*.\n..\nfoo..bar\n\xff\xfe\nco.uk\r\n  org.uk  \n");
    EXPECT_EQ(psl.organizational_domain("a.b.co.uk"), "b.co.uk");
    EXPECT_EQ(psl.organizational_domain("a.b.org.uk"), "b.org.uk");
    EXPECT_EQ(psl.organizational_domain("a.b.bar"), "b.bar");
}

TEST(PublicSuffixTest, UnicodeRuleMatchesBothForms) {
    auto psl = PublicSuffixList::parse("de\nbücher.de\n");
    EXPECT_EQ(psl.organizational_domain("www.shop.bücher.de"), "shop.bücher.de");
    EXPECT_EQ(psl.organizational_domain("www.shop.xn--bcher-kva.de"), "shop.xn--bcher-kva.de");
    EXPECT_EQ(psl.organizational_domain("xn--bcher-kva.de"), "");
    auto ace = PublicSuffixList::parse("de\nxn--bcher-kva.de\n");  // an A-label rule
    EXPECT_EQ(ace.organizational_domain("shop.bücher.de"), "shop.bücher.de");
}

TEST(PunycodeTest, Rfc3492Samples) {
    auto enc = [](std::u32string_view s) {
        std::string out;
        EXPECT_TRUE(magpie::filter::punycode_encode(s, out));
        return out;
    };
    // RFC 3492 §7.1 (A) Arabic (Egyptian), (B) Chinese (simplified), (L) 3<nen>B<gumi>...
    EXPECT_EQ(enc(U"\u0644\u064A\u0647\u0645\u0627\u0628\u062A\u0643\u0644\u0645\u0648\u0634"
                  U"\u0639\u0631\u0628\u064A\u061F"),
              "egbpdaj6bu4bxfgehfvwxn");
    EXPECT_EQ(enc(U"\u4ED6\u4EEC\u4E3A\u4EC0\u4E48\u4E0D\u8BF4\u4E2D\u6587"),
              "ihqwcrb4cv8a8dqg056pqjye");
    EXPECT_EQ(enc(U"3\u5E74B\u7D44\u91D1\u516B\u5148\u751F"), "3B-ww4c5e180e575a65lsy2b");
    EXPECT_EQ(enc(U"-> $1.00 <-"), "-> $1.00 <--");
    EXPECT_EQ(enc(U""), "");
}

TEST(PunycodeTest, DomainToAscii) {
    EXPECT_EQ(domain_to_ascii("Bücher.DE"), "xn--bcher-kva.de");
    EXPECT_EQ(domain_to_ascii("München.example"), "xn--mnchen-3ya.example");
    EXPECT_EQ(domain_to_ascii("食狮.公司.cn"), "xn--85x722f.xn--55qx5d.cn");
    EXPECT_EQ(domain_to_ascii("中国"), "xn--fiqs8s");
    EXPECT_EQ(domain_to_ascii("a\uFF0Eb\uFF61c"), "a.b.c");
    EXPECT_EQ(domain_to_ascii("plain.example"), "plain.example");
    EXPECT_EQ(domain_to_ascii("bad\xc3"), "");              // truncated sequence
    EXPECT_EQ(domain_to_ascii("bad\xc0\xaf.com"), "");      // overlong
    EXPECT_EQ(domain_to_ascii("bad\xed\xa0\x80.com"), "");  // surrogate
}

TEST(PunycodeTest, NormaliseDomain) {
    EXPECT_EQ(normalise_domain("Mail.Bücher.DE."), "mail.xn--bcher-kva.de");
    EXPECT_EQ(normalise_domain("_dmarc.example.com"), "_dmarc.example.com");
    EXPECT_EQ(normalise_domain(""), "");
    EXPECT_EQ(normalise_domain("."), "");
    EXPECT_EQ(normalise_domain("a..b"), "");
    EXPECT_EQ(normalise_domain("a b.com"), "");
    EXPECT_EQ(normalise_domain("user@example.com"), "");
    EXPECT_EQ(normalise_domain(std::string(64, 'a') + ".com"), "");
    EXPECT_EQ(normalise_domain(std::string(63, 'a') + ".com"), std::string(63, 'a') + ".com");
    std::string long_name;
    for (int i = 0; i < 50; ++i) long_name += "abcd.";  // 250 octets
    EXPECT_EQ(normalise_domain(long_name + "com").size(), 253u);
    long_name += "a";
    EXPECT_EQ(normalise_domain(long_name + "com"), "");
}
