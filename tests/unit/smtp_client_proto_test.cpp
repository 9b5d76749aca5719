// Unit tests for the SMTP client pieces: reply parsing, EHLO capabilities, commands, dot-stuffing.
#include <gtest/gtest.h>

#include "smtp/proto/client.h"

using namespace magpie;
using namespace magpie::smtp;

TEST(ClientReply, MultiLineWithEnhancedCode) {
    ReplyReader r;
    EXPECT_FALSE(r.feed("250-mx.example.org hello"));
    EXPECT_FALSE(r.feed("250-PIPELINING"));
    EXPECT_TRUE(r.feed("250 SIZE 1000"));
    auto rep = r.take();
    EXPECT_EQ(rep.code, 250);
    ASSERT_EQ(rep.lines.size(), 3u);
    auto caps = parse_ehlo(rep);
    EXPECT_TRUE(caps.has("PIPELINING"));
    EXPECT_EQ(caps.size_limit, 1000);

    EXPECT_TRUE(r.feed("550 5.1.1 <x@y>: user unknown"));
    rep = r.take();
    EXPECT_EQ(rep.enhanced, "5.1.1");
    EXPECT_TRUE(rep.permanent());
    EXPECT_EQ(rep.text(), "550 5.1.1 <x@y>: user unknown");
}

TEST(ClientReply, MalformedRepliesAreCodeZero) {
    ReplyReader r;
    EXPECT_TRUE(r.feed("hello"));
    EXPECT_EQ(r.take().code, 0);
    EXPECT_FALSE(r.feed("250-a"));
    EXPECT_TRUE(r.feed("251 b"));  // code changed mid-reply
    EXPECT_EQ(r.take().code, 0);
    EXPECT_TRUE(r.feed("250"));  // bare code is a complete reply
    EXPECT_EQ(r.take().code, 250);
    EXPECT_TRUE(r.feed("999 x"));
    EXPECT_EQ(r.take().code, 0);
}

TEST(ClientReply, AuthMechanisms) {
    ReplyReader r;
    r.feed("250-host");
    r.feed("250-AUTH login PLAIN");
    r.feed("250 8BITMIME");
    auto caps = parse_ehlo(r.take());
    EXPECT_TRUE(caps.auth.count("LOGIN"));
    EXPECT_TRUE(caps.auth.count("PLAIN"));
    EXPECT_TRUE(caps.has("8BITMIME"));
}

TEST(ClientCommands, OnlyOfferedParameters) {
    queue::Envelope env;
    env.sender = "a@b.example";
    env.body = "8BITMIME";
    env.smtputf8 = true;
    env.dsn_ret = "HDRS";
    env.dsn_envid = "id 1+";
    EhloCaps none;
    EXPECT_EQ(mail_command(env, none, 10), "MAIL FROM:<a@b.example>");
    EhloCaps all;
    all.keywords = {"SIZE", "8BITMIME", "SMTPUTF8", "DSN"};
    EXPECT_EQ(mail_command(env, all, 10),
              "MAIL FROM:<a@b.example> SIZE=10 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=id+201+2B");
    queue::Recipient r{"x@y.example", "SUCCESS,FAILURE", "rfc822;x+40y.example"};
    EXPECT_EQ(rcpt_command(r, "x@y.example", none), "RCPT TO:<x@y.example>");
    EXPECT_EQ(rcpt_command(r, "x@y.example", all),
              "RCPT TO:<x@y.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x+40y.example");
}

TEST(DotStuffer, StuffsAcrossChunksAndTerminates) {
    DotStuffer d;
    std::string out;
    d.feed("a\r\n.", out);
    d.feed("b\r\n..c\r\n", out);
    d.finish(out);
    EXPECT_EQ(out, "a\r\n..b\r\n...c\r\n.\r\n");
    DotStuffer e;
    std::string o2;
    e.feed(".x", o2);
    e.finish(o2);
    EXPECT_EQ(o2, "..x\r\n.\r\n");
}
