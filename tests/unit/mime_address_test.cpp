// Unit tests for RFC 5322 address-list parsing (src/mime/address.h).
#include <gtest/gtest.h>

#include "mime/address.h"

using namespace magpie::mime;

TEST(MimeAddress, NameAddrAndAddrSpec) {
    auto l = parse_address_list("\"Joe Q. Public\" <john.q.public@example.com>, jdoe@example.org");
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[0].name, "Joe Q. Public");
    EXPECT_EQ(l[0].mailbox, "john.q.public");
    EXPECT_EQ(l[0].host, "example.com");
    EXPECT_EQ(l[1].name, "");
    EXPECT_EQ(l[1].addr_spec(), "jdoe@example.org");
}

TEST(MimeAddress, CommentBecomesNameOfBareAddress) {
    auto l = parse_address_list("bbb@ddd.com (John X. Doe)");
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].name, "John X. Doe");
    EXPECT_EQ(l[0].host, "ddd.com");
}

TEST(MimeAddress, CommentBecomesNameOfAddressWithoutDomain) {
    // RFC 5322 §3.4: a comment after the address is by custom the display name (UW-imapd
    // and Dovecot read it so); also for a local part alone, as in old RFC 822 mail.
    auto l = parse_address_list("nsb (Nathaniel Borenstein)");
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].name, "Nathaniel Borenstein");
    EXPECT_EQ(l[0].mailbox, "nsb");
    EXPECT_EQ(l[0].host, "");
}

TEST(MimeAddress, GroupsAndEmptyGroups) {
    auto l =
        parse_address_list("A Group:Ed Jones <c@a.test>,joe@where.test;, Undisclosed recipients:;");
    ASSERT_EQ(l.size(), 6u);
    EXPECT_TRUE(l[0].group_start);
    EXPECT_EQ(l[0].mailbox, "A Group");
    EXPECT_EQ(l[1].name, "Ed Jones");
    EXPECT_EQ(l[2].addr_spec(), "joe@where.test");
    EXPECT_TRUE(l[3].group_end);
    EXPECT_TRUE(l[4].group_start);
    EXPECT_EQ(l[4].mailbox, "Undisclosed recipients");
    EXPECT_TRUE(l[5].group_end);
}

TEST(MimeAddress, QuotedLocalPartsRoutesAndSpecials) {
    auto l = parse_address_list(
        "\"quoted local\"@example.com, \"Giant; \\\"Big\\\" Box\" <sys@example.net>, "
        "<@r1.test,@r2.test:mary@x.test>");
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(l[0].mailbox, "quoted local");
    EXPECT_EQ(l[0].addr_spec(), "\"quoted local\"@example.com");
    EXPECT_EQ(l[1].name, "Giant; \"Big\" Box");
    EXPECT_EQ(l[2].route, "@r1.test,@r2.test");
    EXPECT_EQ(l[2].addr_spec(), "mary@x.test");
}

TEST(MimeAddress, EncodedAndUtf8NamesAndAddresses) {
    auto l = parse_address_list(
        "=?utf-8?q?J=C3=B6rg?= <j\xC3\xB6rg@b\xC3\xBC"
        "cher.example>");
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].name, "=?utf-8?q?J=C3=B6rg?=");  // kept as written for ENVELOPE
    EXPECT_EQ(l[0].display_name(), "J\xC3\xB6rg");
    EXPECT_EQ(l[0].mailbox, "j\xC3\xB6rg");  // RFC 6532
    EXPECT_EQ(l[0].host,
              "b\xC3\xBC"
              "cher.example");
}

TEST(MimeAddress, IdnDomainsDecode) {
    EXPECT_EQ(domain_to_utf8("xn--bcher-kva.example"),
              "b\xC3\xBC"
              "cher.example");
    EXPECT_EQ(domain_to_utf8("mail.xn--fiqs8s"), "mail.\xE4\xB8\xAD\xE5\x9B\xBD");
    EXPECT_EQ(domain_to_utf8("xn--!!bad"), "xn--!!bad");
    EXPECT_EQ(domain_to_utf8("plain.example"), "plain.example");
}

TEST(MimeAddress, BrokenInputRecovers) {
    auto l = parse_address_list("Someone Else");
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].name, "Someone Else");
    EXPECT_EQ(l[0].mailbox, "");
    l = parse_address_list("Whomever");
    EXPECT_EQ(l[0].mailbox, "Whomever");
    EXPECT_EQ(l[0].host, "");
    l = parse_address_list(",,, <a@b>, c@d, \"unterminated");
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(l[0].addr_spec(), "a@b");
    EXPECT_EQ(l[1].addr_spec(), "c@d");
    EXPECT_EQ(l[2].mailbox, "unterminated");
    // Junk after an address ends the list (Dovecot does the same).
    l = parse_address_list("<a@b> junk, c@d");
    ASSERT_EQ(l.size(), 1u);
    l = parse_address_list("g: b: c@d;;, e@f");
    ASSERT_EQ(l.size(), 3u);
    EXPECT_TRUE(l[0].group_start);
    EXPECT_EQ(l[1].mailbox, "b");
    EXPECT_TRUE(l[2].group_end);
    EXPECT_TRUE(parse_address_list("").empty());
    EXPECT_TRUE(parse_address_list("  (only a comment) ").empty());
}
