// Tests of the DNS blocklists: list settings, RFC 5782 query names, listed answers, the
// link domains of messages (plain, HTML, encoded, IDN, IP literals, broken MIME) and the
// single batch check() sends, over a fake DnsLookup.
#include <gtest/gtest.h>

#include "dns_fake.h"
#include "filter/dnsbl.h"
#include "mime/parser.h"

using namespace magpie;
using namespace magpie::filter;
using dns_test::FakeDns;
namespace bl = magpie::filter::dnsbl;

namespace {

const PublicSuffixList& test_psl() {
    static const PublicSuffixList psl =
        PublicSuffixList::parse("com\nnet\norg\nuk\nco.uk\nde\nblogspot.com\n");
    return psl;
}

std::vector<std::string> links(const std::string& raw, size_t max = 32) {
    auto msg = mime::parse_message(raw);
    return bl::link_domains(msg, raw, test_psl(), max);
}

std::string plain(const std::string& body, const std::string& extra_headers = "") {
    return "From: a@example.com\r\nSubject: t\r\n" + extra_headers + "\r\n" + body;
}

using Names = std::vector<std::string>;

}  // namespace

TEST(DnsblListsTest, ParseLists) {
    auto l = bl::parse_lists("zen.spamhaus.org=3.5, bl.example.net  URI.Example.COM.=-1", 2);
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(l[0].zone, "zen.spamhaus.org");
    EXPECT_DOUBLE_EQ(l[0].score, 3.5);
    EXPECT_EQ(l[1].zone, "bl.example.net");
    EXPECT_DOUBLE_EQ(l[1].score, 2);
    EXPECT_EQ(l[2].zone, "uri.example.com");
    EXPECT_DOUBLE_EQ(l[2].score, -1);
    auto spaced = bl::parse_lists("a.example = 1.5 ,\n b.example= +4", 0);
    ASSERT_EQ(spaced.size(), 2u);
    EXPECT_DOUBLE_EQ(spaced[0].score, 1.5);
    EXPECT_DOUBLE_EQ(spaced[1].score, 4);
}

TEST(DnsblListsTest, BadEntriesAreSkipped) {
    auto l = bl::parse_lists(
        "good.example=1, =2, nodot, bad..zone=1, bad zone!.example, x.example=abc, "
        "y.example=1.5x, z.example=, inf.example=inf, nan.example=nan, good.example=9, ,,",
        1);
    ASSERT_EQ(l.size(), 1u);  // duplicates keep the first entry
    EXPECT_EQ(l[0].zone, "good.example");
    EXPECT_DOUBLE_EQ(l[0].score, 1);
    EXPECT_TRUE(bl::parse_lists("", 1).empty());
    EXPECT_TRUE(bl::parse_lists(" \t\r\n", 1).empty());
}

TEST(DnsblQueryTest, Ipv4) {
    EXPECT_EQ(bl::ip_query_name("192.0.2.1", "zen.example"), "1.2.0.192.zen.example");
    EXPECT_EQ(bl::ip_query_name("127.0.0.2", "zen.example."), "2.0.0.127.zen.example");
    EXPECT_EQ(bl::ip_query_name("::ffff:192.0.2.99", "zen.example"), "99.2.0.192.zen.example");
    EXPECT_EQ(bl::ip_query_name("[198.51.100.7]", "zen.example"), "7.100.51.198.zen.example");
}

TEST(DnsblQueryTest, Ipv6Nibbles) {
    // RFC 5782 §2.4's example.
    EXPECT_EQ(bl::ip_query_name("2001:db8:1:2:3:4:567:89ab", "ugly.example.com"),
              "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ugly.example.com");
    EXPECT_EQ(bl::ip_query_name("::1", "z.example"),
              "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.z.example");
}

TEST(DnsblQueryTest, BadAddresses) {
    for (const char* ip : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "example.com",
                           "1.2.3.4/24", "::g", "fe80::1%eth0", "1.2.3.4 5"})
        EXPECT_EQ(bl::ip_query_name(ip, "zen.example"), "") << ip;
    EXPECT_EQ(bl::ip_query_name("192.0.2.1", ""), "");
}

TEST(DnsblQueryTest, IsListed) {
    using S = DnsReply::Status;
    EXPECT_TRUE(bl::is_listed({S::Ok, {"127.0.0.2"}}));
    EXPECT_TRUE(bl::is_listed({S::Ok, {"127.0.0.1", "127.0.1.4"}}));
    EXPECT_FALSE(bl::is_listed({S::Ok, {"127.0.0.1"}}));
    EXPECT_FALSE(bl::is_listed({S::Ok, {"127.255.255.254"}}));  // refused via public resolver
    EXPECT_FALSE(bl::is_listed({S::Ok, {"127.255.255.252"}}));
    EXPECT_FALSE(bl::is_listed({S::Ok, {"192.0.2.1"}}));
    EXPECT_FALSE(bl::is_listed({S::Ok, {"garbage", "::1"}}));
    EXPECT_FALSE(bl::is_listed({S::Ok, {}}));
    EXPECT_FALSE(bl::is_listed({S::NxDomain, {}}));
    EXPECT_FALSE(bl::is_listed({S::TempFail, {"127.0.0.2"}}));
}

TEST(DnsblLinksTest, PlainTextUrls) {
    auto got = links(
        plain("Visit http://www.Example.COM/path?q=1 and HTTPS://shop.example.co.uk:8443/x.\r\n"
              "Also www.another.org, or (https://user:pw@login.evil.net/).\r\n"
              "Again http://example.com and \"www.blog.foo.blogspot.com\".\r\n"
              "Not links: wwwexample.com, ftp://ftp.example.net/, mail@www.example.de\r\n"));
    EXPECT_EQ(got, (Names{"example.com", "example.co.uk", "another.org", "evil.net",
                          "foo.blogspot.com"}));
}

TEST(DnsblLinksTest, HtmlHrefsEntitiesAndText) {
    std::string html =
        "<html><body><a HREF = \"http://click.tracker.net/r?u=1\">x</a>"
        "<a href='&#104;ttps&#x3a;//obfuscated.example.org/'>y</a>"
        "<a href=//protocol-relative.com/z>z</a>"
        "<a href=\"mailto:someone@mailto-only.com\">m</a>"
        "<p>see www&#46;entity-text&#46;com today</p></body></html>";
    auto got = links(plain(html, "Content-Type: text/html; charset=utf-8\r\n"));
    EXPECT_EQ(got,
              (Names{"tracker.net", "example.org", "protocol-relative.com", "entity-text.com"}));
}

TEST(DnsblLinksTest, EncodedPartsAndAlternatives) {
    std::string raw =
        "From: a@example.com\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/alternative; boundary=\"B\"\r\n\r\n"
        "--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
        "quoted-printable\r\n\r\nhttp://qp-enc=\r\noded.com/\r\n"
        "--B\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        // <a href="http://b64.example.net/">
        "PGEgaHJlZj0iaHR0cDovL2I2NC5leGFtcGxlLm5ldC8iPg==\r\n"
        "--B\r\nContent-Type: image/png\r\n\r\nhttp://not-text.com/\r\n"
        "--B--\r\n";
    EXPECT_EQ(links(raw), (Names{"qp-encoded.com", "example.net"}));
}

TEST(DnsblLinksTest, ForwardedMessageIsScanned) {
    std::string raw =
        "From: a@example.com\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"O\"\r\n\r\n"
        "--O\r\nContent-Type: text/plain\r\n\r\nouter http://outer.com\r\n"
        "--O\r\nContent-Type: message/rfc822\r\n\r\n"
        "Subject: inner\r\n\r\ninner http://inner.net/\r\n"
        "--O--\r\n";
    EXPECT_EQ(links(raw), (Names{"outer.com", "inner.net"}));
}

TEST(DnsblLinksTest, HostNormalisation) {
    auto got = links(
        plain("http://%65vil%2Ecom/ http://trailing.org./ http://B\xC3\xBC"
              "cher.de/ "
              "http://xn--mnchen-3ya.de/ http://WWW.EXAMPLE.NET.../ http:\\\\backslash.com\\x\r\n",
              "Content-Type: text/plain; charset=utf-8\r\n"));
    EXPECT_EQ(got, (Names{"evil.com", "trailing.org", "xn--bcher-kva.de", "xn--mnchen-3ya.de",
                          "example.net", "backslash.com"}));
}

TEST(DnsblLinksTest, Latin1CharsetIsConverted) {
    // "b\xfccher" in ISO-8859-1 is bücher.
    auto got =
        links(plain("http://b\xfc"
                    "cher.de/\r\n",
                    "Content-Type: text/plain; charset=iso-8859-1\r\n"));
    EXPECT_EQ(got, Names{"xn--bcher-kva.de"});
}

TEST(DnsblLinksTest, IpLiteralsAndSkippedHosts) {
    auto got = links(plain(
        "http://192.0.2.1/ http://[2001:db8::1]/ http://3325256706/ http://0xC6.0x33.100.7/ "
        "http://[::ffff:198.51.100.9]:80/ http://127.0.0.1/ http://10.1.2.3/ http://[fe80::1]/ "
        "http://localhost/ http://printer.local/ http://x.test/ http://nodot/ "
        "http://999.1.1.1/ http://bad_host!.com/ http://co.uk/ http://[unclosed\r\n"));
    EXPECT_EQ(got,
              (Names{"192.0.2.1", "2001:db8::1", "198.51.100.2", "198.51.100.7", "198.51.100.9"}));
}

TEST(DnsblLinksTest, ProsePunctuation) {
    auto got =
        links(plain("\xE2\x80\x9Cwww.quoted.com\xE2\x80\x9D and www.bang.org! "
                    "\xC2\xABhttp://guillemet.net\xC2\xBB\r\n",
                    "Content-Type: text/plain; charset=utf-8\r\n"));
    EXPECT_EQ(got, (Names{"quoted.com", "bang.org", "guillemet.net"}));
}

TEST(DnsblLinksTest, Bounded) {
    std::string body;
    for (int i = 0; i < 100; ++i) body += "http://host" + std::to_string(i) + ".com/\r\n";
    auto got = links(plain(body), 5);
    EXPECT_EQ(got, (Names{"host0.com", "host1.com", "host2.com", "host3.com", "host4.com"}));
    EXPECT_EQ(links(plain(body)).size(), 32u);
    std::string long_host = "http://" + std::string(5000, 'a') + ".com/ http://ok.com";
    EXPECT_EQ(links(plain(long_host)), Names{"ok.com"});
}

TEST(DnsblLinksTest, BrokenMime) {
    // Unterminated multipart, bad base64, a bogus charset, no body, NULs.
    EXPECT_EQ(links("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n"
                    "--X\r\nContent-Type: text/plain\r\n\r\nhttp://unterminated.com"),
              Names{"unterminated.com"});
    // Invalid base64: whatever the decoder salvages, at most the one link.
    EXPECT_LE(links("Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                    "!!!not base64 http://x.com ###\r\n")
                  .size(),
              1u);
    EXPECT_EQ(links("Content-Type: text/plain; charset=no-such-charset\r\n\r\nhttp://cs.org\r\n"),
              Names{"cs.org"});
    EXPECT_TRUE(links("").empty());
    EXPECT_TRUE(links("Subject: x\r\n").empty());
    EXPECT_EQ(links(plain(std::string("a\0b http://nul.net\0/", 20))), Names{"nul.net"});
    EXPECT_TRUE(links("Content-Type: multipart/mixed\r\n\r\nhttp://no-boundary.com\r\n").size() <=
                1);
    EXPECT_TRUE(links(plain("http:// https:/// www. http://. http://@/ http://[]/")).empty());
}

TEST(DnsblCheckTest, OneBatchWithNamedHits) {
    FakeDns dns;
    dns.set("2.2.0.192.zen.example", DnsType::A, {"127.0.0.2", "127.0.0.4"});
    dns.set("2.2.0.192.bl.example-list.net", DnsType::A, {"127.0.0.1"});  // not a listing
    dns.set("evil.com.dbl.example", DnsType::A, {"127.0.1.2"});
    dns.set("good.org.dbl.example", DnsType::A, {"127.255.255.254"});  // error code
    dns.set("5.2.0.192.dbl.example", DnsType::A, {"127.0.1.5"});
    Verdict v;
    bl::check("192.0.2.2", bl::parse_lists("zen.example=4, bl.example-list.net=2", 1),
              {"evil.com", "good.org", "192.0.2.5"}, bl::parse_lists("dbl.example=5", 1),
              dns.lookup(), v);
    ASSERT_EQ(dns.batches.size(), 1u);
    EXPECT_EQ(dns.batches[0].size(), 5u);
    for (const auto& q : dns.batches[0]) EXPECT_EQ(q.type, DnsType::A);
    // One hit per list: the second listed link adds nothing more.
    ASSERT_EQ(v.hits.size(), 2u) << v.symbols();
    EXPECT_EQ(v.hits[0].name, "RBL_ZEN_EXAMPLE");
    EXPECT_EQ(v.hits[0].detail, "192.0.2.2:127.0.0.2");
    EXPECT_DOUBLE_EQ(v.hits[0].score, 4);
    EXPECT_EQ(v.hits[1].name, "URIBL_DBL_EXAMPLE");
    EXPECT_EQ(v.hits[1].detail, "evil.com:127.0.1.2");
    EXPECT_DOUBLE_EQ(v.score, 9);
}

TEST(DnsblCheckTest, ZoneSymbolAndIpv6Client) {
    FakeDns dns;
    std::string q = bl::ip_query_name("2001:db8::7", "v6-bl.example.net");
    dns.set(q, DnsType::A, {"127.0.0.10"});
    Verdict v;
    bl::check("2001:db8::7", bl::parse_lists("v6-bl.example.net", 2.5), {}, {}, dns.lookup(), v);
    ASSERT_EQ(v.hits.size(), 1u);
    EXPECT_EQ(v.hits[0].name, "RBL_V6_BL_EXAMPLE_NET");
    EXPECT_EQ(v.hits[0].detail, "2001:db8::7:127.0.0.10");
}

TEST(DnsblCheckTest, LocalAndBadClientsAreNotLookedUp) {
    FakeDns dns;
    auto lists = bl::parse_lists("zen.example", 1);
    for (const char* ip :
         {"10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.0.9", "100.64.1.1",
          "fe80::1", "fd00::1", "::", "0.0.0.0", "::ffff:10.0.0.1", "garbage", ""}) {
        Verdict v;
        bl::check(ip, lists, {}, {}, dns.lookup(), v);
        EXPECT_TRUE(v.hits.empty()) << ip;
    }
    EXPECT_EQ(dns.queries(), 0u);  // nothing to ask: no batch at all
    EXPECT_TRUE(dns.batches.empty());
}

TEST(DnsblCheckTest, LoopbackClientsAreLookedUp) {
    FakeDns dns;
    dns.set("1.0.0.127.zen.example", DnsType::A, {"127.0.0.2"});
    Verdict v;
    bl::check("127.0.0.1", bl::parse_lists("zen.example", 1), {}, {}, dns.lookup(), v);
    ASSERT_EQ(v.hits.size(), 1u);
    EXPECT_EQ(v.hits[0].detail, "127.0.0.1:127.0.0.2");
}

TEST(DnsblCheckTest, FailuresAddNothing) {
    FakeDns dns;
    dns.fail("9.2.0.192.zen.example", DnsType::A, DnsReply::Status::TempFail);
    dns.fail("evil.com.dbl.example", DnsType::A, DnsReply::Status::PermFail);
    Verdict v;
    bl::check("192.0.2.9", bl::parse_lists("zen.example", 1), {"evil.com", "bad..name", ""},
              bl::parse_lists("dbl.example", 1), dns.lookup(), v);
    EXPECT_TRUE(v.hits.empty());
    EXPECT_EQ(dns.queries(), 2u);  // the invalid names were not asked
    // A lookup that answers fewer replies than queries: the rest count as unanswered.
    DnsLookup short_dns = [](const std::vector<DnsQuery>&) {
        return std::vector<DnsReply>{{DnsReply::Status::Ok, {"127.0.0.2"}}};
    };
    Verdict w;
    bl::check("192.0.2.9", bl::parse_lists("a.example, b.example", 1), {}, {}, short_dns, w);
    ASSERT_EQ(w.hits.size(), 1u);
    EXPECT_EQ(w.hits[0].name, "RBL_A_EXAMPLE");
}

TEST(DnsblCheckTest, QueryNamesStayWithinDnsLimits) {
    FakeDns dns;
    std::string long_name = std::string(60, 'a') + "." + std::string(60, 'b') + "." +
                            std::string(60, 'c') + "." + std::string(60, 'd') + ".com";
    Verdict v;
    bl::check("", {}, {long_name, "ok.com", "ok.com"}, bl::parse_lists("dbl.example", 1),
              dns.lookup(), v);
    ASSERT_EQ(dns.batches.size(), 1u);
    ASSERT_EQ(dns.batches[0].size(), 1u);  // too long once the zone is added; duplicates once
    EXPECT_EQ(dns.batches[0][0].name, "ok.com.dbl.example");
}

TEST(DnsblCheckTest, EndToEndFromMessage) {
    FakeDns dns;
    dns.set("spammy.net.dbl.example", DnsType::A, {"127.0.1.2"});
    std::string raw = plain("Buy now at https://www.spammy.net/offer and http://fine.org\r\n");
    auto msg = mime::parse_message(raw);
    auto names = bl::link_domains(msg, raw, PublicSuffixList::system());
    Verdict v;
    bl::check("203.0.113.5", {}, names, bl::parse_lists("dbl.example=6", 1), dns.lookup(), v);
    ASSERT_EQ(v.hits.size(), 1u);
    EXPECT_EQ(v.hits[0].name, "URIBL_DBL_EXAMPLE");
    EXPECT_EQ(v.hits[0].detail, "spammy.net:127.0.1.2");
}
