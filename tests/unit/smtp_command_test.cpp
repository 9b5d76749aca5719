// Unit tests for SMTP command parsing, paths, parameters and xtext.
#include <gtest/gtest.h>

#include "smtp/proto/command.h"

using namespace magpie::smtp;

TEST(SmtpCommand, VerbsAreCaseInsensitive) {
    EXPECT_EQ(parse_command("ehlo x").verb, Verb::Ehlo);
    EXPECT_EQ(parse_command("MaIl FROM:<a@b>").verb, Verb::Mail);
    EXPECT_EQ(parse_command("STARTTLS").verb, Verb::StartTls);
    EXPECT_EQ(parse_command("XYZZY").verb, Verb::Unknown);
    EXPECT_EQ(parse_command("").verb, Verb::Unknown);
    EXPECT_EQ(parse_command("EHLO   host  ").args, "host");
}

TEST(SmtpCommand, MailPathWithParams) {
    PathArg p;
    ASSERT_EQ(parse_path_arg("FROM:<a@example.org> SIZE=100 BODY=8BITMIME", "FROM", false, p),
              PathError::None);
    EXPECT_EQ(p.address, "a@example.org");
    ASSERT_EQ(p.params.size(), 2u);
    EXPECT_EQ(p.params[0].first, "SIZE");
    EXPECT_EQ(p.params[0].second, "100");
}

TEST(SmtpCommand, NullSenderAndLenientForms) {
    PathArg p;
    ASSERT_EQ(parse_path_arg("FROM:<>", "FROM", false, p), PathError::None);
    EXPECT_EQ(p.address, "");
    ASSERT_EQ(parse_path_arg("from: <a@b.c>", "FROM", false, p), PathError::None);
    EXPECT_EQ(p.address, "a@b.c");
    ASSERT_EQ(parse_path_arg("TO:a@b.c", "TO", false, p), PathError::None);
    EXPECT_EQ(p.address, "a@b.c");
}

TEST(SmtpCommand, SourceRouteIsDropped) {
    PathArg p;
    ASSERT_EQ(parse_path_arg("TO:<@relay.example,@other.example:user@d.example>", "TO", false, p),
              PathError::None);
    EXPECT_EQ(p.address, "user@d.example");
}

TEST(SmtpCommand, QuotedLocalPartMayHoldAngleBracket) {
    PathArg p;
    ASSERT_EQ(parse_path_arg("TO:<\"a>b\"@d.example>", "TO", false, p), PathError::None);
    EXPECT_EQ(p.address, "\"a>b\"@d.example");
}

TEST(SmtpCommand, BadPaths) {
    PathArg p;
    EXPECT_EQ(parse_path_arg("FROM<a@b>", "FROM", false, p), PathError::Syntax);
    EXPECT_EQ(parse_path_arg("FROM:<a@b", "FROM", false, p), PathError::Syntax);
    EXPECT_EQ(parse_path_arg("FROM:<a@b>x", "FROM", false, p), PathError::Syntax);
    EXPECT_EQ(parse_path_arg("FROM:<a..b@c>", "FROM", false, p), PathError::BadAddress);
    EXPECT_EQ(parse_path_arg("FROM:<a@>", "FROM", false, p), PathError::BadAddress);
    EXPECT_EQ(parse_path_arg("FROM:<a b@c>", "FROM", false, p), PathError::BadAddress);
    EXPECT_EQ(parse_path_arg("TO:<>", "FROM", false, p), PathError::Syntax);
}

TEST(SmtpCommand, Utf8AddressesNeedSmtputf8) {
    EXPECT_FALSE(valid_mailbox("j\xc3\xb6rg@example.org", false));
    EXPECT_TRUE(valid_mailbox("j\xc3\xb6rg@example.org", true));
    EXPECT_TRUE(valid_mailbox("a@[127.0.0.1]", false));
    EXPECT_TRUE(valid_mailbox("a+tag@sub.example.org", false));
    EXPECT_FALSE(valid_mailbox(".a@b.c", false));
    EXPECT_FALSE(valid_mailbox("a@b..c", false));
    EXPECT_FALSE(valid_mailbox(std::string(300, 'a') + "@b.c", false));
}

TEST(SmtpCommand, Xtext) {
    EXPECT_EQ(decode_xtext("abc+2Bdef"), "abc+def");
    EXPECT_FALSE(decode_xtext("abc+2"));
    EXPECT_FALSE(decode_xtext("abc+zz"));
    EXPECT_FALSE(decode_xtext("a=b"));
}
