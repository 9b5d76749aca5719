// Unit tests for IMAP ENVELOPE/BODYSTRUCTURE formatting and section resolution.
#include <gtest/gtest.h>

#include "mime/imap_bodystructure.h"
#include "mime/imap_envelope.h"
#include "mime/imap_string.h"
#include "mime/parser.h"
#include "mime/sections.h"
#include "mime_test_util.h"

using namespace magpie::mime;

TEST(MimeImap, StringsQuotedLiteralOrNil) {
    std::string out;
    append_imap_string(out, "a \"b\" \\c");
    EXPECT_EQ(out, "\"a \\\"b\\\" \\\\c\"");
    out.clear();
    append_imap_string(out, "caf\xC3\xA9");
    EXPECT_EQ(out, "{5}\r\ncaf\xC3\xA9");
    out.clear();
    append_imap_nstring(out, "x", false);
    EXPECT_EQ(out, "NIL");
}

TEST(MimeImap, DefaultBodyStructure) {
    Message msg = parse_message("Subject: x\r\n\r\nhello\r\n");
    EXPECT_EQ(
        bodystructure(msg, true),
        "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1 NIL NIL NIL NIL)");
    EXPECT_EQ(bodystructure(msg, false),
              "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1)");
}

TEST(MimeImap, ExtensionDataAndRfc2231Params) {
    std::string m = mime_test::read_file(mime_test::testdata_dir() / "torture/rfc2231_params.eml");
    Message msg = parse_message(m);
    EXPECT_EQ(
        bodystructure(msg, true),
        "((\"application\" \"octet-stream\" (\"name*\" \"utf-8'de'%C3%A4rger und mehr%2Etxt\") "
        "NIL NIL \"7bit\" 11 NIL (\"attachment\" (\"size\" \"12\" \"filename*\" "
        "\"iso-8859-1'en'caf%E9.txt\")) NIL NIL)"
        "(\"text\" \"plain\" (\"charset\" \"iso-8859-1\" \"format\" \"flowed\") "
        "\"<part2@example.com>\" \"a description\" \"quoted-printable\" 19 1 "
        "\"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"inline\" (\"filename\" "
        "\"=?UTF-8?Q?r=C3=A9sum=C3=A9.txt?=\")) (\"en\" \"de\") \"http://example.com/x\") "
        "\"mixed\" (\"boundary\" \"q\") NIL NIL NIL)");
}

TEST(MimeImap, EnvelopeWithGroupsRoutesAndDefaults) {
    std::string m = mime_test::read_file(mime_test::testdata_dir() / "torture/addresses.eml");
    Message msg = parse_message(m);
    EXPECT_EQ(envelope(msg.root.headers),
              "(\"Fri, 21 Nov 1997 09:55:06 -0600\" \"=?UTF-8?B?w6TDtsO8?= =?UTF-8?Q?_and_more?=\" "
              "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) "
              "((\"=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=\" NIL \"keld\" \"dkuug.dk\")) "
              "((\"Mary (not) Smith\" \"@route1.test,@route2.test\" \"mary\" \"x.test\")) "
              "((\"Mary Smith\" NIL \"mary\" \"x.test\")(NIL NIL \"jdoe\" \"example.org\")"
              "(\"Who?\" NIL \"one\" \"y.test\")) "
              "((NIL NIL \"boss\" \"nil.test\")(\"Giant; \\\"Big\\\" Box\" NIL \"sysservices\" "
              "\"example.net\")) "
              "((NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")(NIL NIL \"joe\" "
              "\"where.test\")(\"John\" NIL \"jdoe\" \"one.test\")(NIL NIL NIL NIL)"
              "(NIL NIL \"Undisclosed recipients\" NIL)(NIL NIL NIL NIL)) "
              "\"<3456@example.net>\" \"<1234@local.machine.example>\")");
    // Sender and Reply-To default to From (RFC 9051 §7.5.2); missing fields are NIL.
    Message bare = parse_message("From: a@b.c\r\n\r\n");
    EXPECT_EQ(envelope(bare.root.headers),
              "(NIL NIL ((NIL NIL \"a\" \"b.c\")) ((NIL NIL \"a\" \"b.c\")) ((NIL NIL \"a\" "
              "\"b.c\")) NIL NIL NIL NIL NIL)");
}

TEST(MimeImap, MessageRfc822BodyHasEnvelopeAndLines) {
    std::string m = "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\nFrom: x@y\r\n\r\nhi\r\n";
    Message msg = parse_message(m);
    EXPECT_EQ(bodystructure(msg, false),
              "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 33 (NIL \"inner\" ((NIL NIL \"x\" "
              "\"y\")) ((NIL NIL \"x\" \"y\")) ((NIL NIL \"x\" \"y\")) NIL NIL NIL NIL NIL) "
              "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 1) 4)");
}

TEST(MimeImap, InvalidContentTypeAndEmptyMultipart) {
    Message bad = parse_message("Content-Type: text; charset=us-ascii\r\n\r\nx");
    EXPECT_EQ(bodystructure(bad, false), "(\"\" \"\" NIL NIL NIL \"7bit\" 1)");
    Message empty = parse_message("Content-Type: multipart/mixed; boundary=x\r\n\r\nno parts\r\n");
    EXPECT_EQ(bodystructure(empty, false),
              "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")");
}

TEST(MimeSections, ResolvesPartsHeadersAndText) {
    std::string m =
        "Subject: top\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\none\r\n"
        "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: in\r\n"
        "Content-Type: multipart/alternative; boundary=c\r\n\r\n"
        "--c\r\n\r\nalt1\r\n--c\r\n\r\nalt2\r\n--c--\r\n"
        "--b--\r\n";
    Message msg = parse_message(m);
    auto text = [&](std::string_view spec) {
        auto r = find_section(msg, spec);
        return r ? m.substr(r->start, r->size()) : std::string("<none>");
    };
    EXPECT_EQ(text(""), m);
    EXPECT_EQ(text("HEADER"), "Subject: top\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n");
    EXPECT_EQ(text("header.fields (subject)"), text("HEADER"));
    EXPECT_EQ(text("1"), "one");
    EXPECT_EQ(text("1.MIME"), "Content-Type: text/plain\r\n\r\n");
    EXPECT_EQ(text("2.HEADER"),
              "Subject: in\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n");
    EXPECT_EQ(text("2.1"), "alt1");
    EXPECT_EQ(text("2.2"), "alt2");
    EXPECT_EQ(text("2.2.MIME"), "\r\n");
    EXPECT_EQ(text("2.TEXT").substr(0, 3), "--c");
    EXPECT_EQ(text("2").substr(0, 12), "Subject: in\r");
    EXPECT_EQ(text("1.HEADER"), "<none>");  // not a message/rfc822 part
    EXPECT_EQ(text("3"), "<none>");
    EXPECT_EQ(text("0"), "<none>");
    EXPECT_EQ(text("1.1"), "one");  // a leaf's part 1 is itself, as in Dovecot
    EXPECT_EQ(text("1.1.MIME"), "Content-Type: text/plain\r\n\r\n");
    EXPECT_EQ(text("1.1.1"), "<none>");
    EXPECT_EQ(text("1.2"), "<none>");
    EXPECT_EQ(text("2.1.1"), "alt1");
    EXPECT_EQ(text("2.1.HEADER"), "<none>");
    EXPECT_EQ(text("2.3"), "<none>");
    EXPECT_EQ(text("BOGUS"), "<none>");
    ASSERT_NE(find_part(msg, "2.1"), nullptr);
    EXPECT_EQ(find_part(msg, "2.1")->body_bytes(m), "alt1");

    Message single = parse_message(std::string_view("Subject: s\r\n\r\nbody"));
    auto r = find_section(single, "1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->start, 14u);
    EXPECT_FALSE(find_section(single, "2"));
    EXPECT_FALSE(find_section(single, "1.1"));
}
