// Unit tests for the SMTP session state machine, driven line by line without sockets.
#include <gtest/gtest.h>

#include "core/base64.h"
#include "smtp/proto/session.h"

using namespace magpie;
using namespace magpie::smtp;

namespace {

std::shared_ptr<store::Snapshot> snapshot() {
    auto s = std::make_shared<store::Snapshot>();
    s->settings.max_message_size = 1000;
    s->settings.smtp_recipient_limit = 3;
    s->settings.smtp_hard_error_limit = 10;
    s->settings.smtp_max_auth_failures = 2;
    s->domains["example.org"] = store::Domain{"example.org"};
    s->users["john"] = store::User{"john"};
    s->users["off"] = store::User{"off", "", true};
    s->addresses["staff@example.org"] = store::Address{"staff@example.org", {"john"}, true};
    return s;
}

struct Fixture {
    explicit Fixture(Listener l = Listener::Smtp, const char* ip = "192.0.2.1", bool tls = false)
        : s(SessionInfo{l, "mx.example.org", *IpAddr::parse(ip), true, tls}, snapshot()) {
        s.greeting();
    }
    // Sends a line and returns the reply text.
    std::string say(std::string_view line, Next* next = nullptr) {
        Next n = s.on_line(line);
        if (next) *next = n;
        return s.take_output();
    }
    Session s;
};

}  // namespace

TEST(SmtpSession, GreetingAndEhlo) {
    Session s(
        SessionInfo{Listener::Smtp, "mx.example.org", *IpAddr::parse("192.0.2.1"), true, false},
        snapshot());
    EXPECT_EQ(s.greeting(), "220 mx.example.org ESMTP Magpie\r\n");
    s.on_line("EHLO client.example");
    auto out = s.take_output();
    EXPECT_NE(out.find("250-mx.example.org\r\n"), std::string::npos);
    EXPECT_NE(out.find("250-SIZE 1000\r\n"), std::string::npos);
    EXPECT_NE(out.find("250-STARTTLS\r\n"), std::string::npos);
    EXPECT_NE(out.find("250 CHUNKING\r\n"), std::string::npos);
    EXPECT_EQ(out.find("AUTH"), std::string::npos);  // not on port 25 by default
}

TEST(SmtpSession, DeliveryTransaction) {
    Fixture f;
    f.say("EHLO c");
    EXPECT_EQ(f.say("MAIL FROM:<a@remote.example> SIZE=10"), "250 2.1.0 Ok\r\n");
    EXPECT_EQ(f.say("RCPT TO:<john@example.org>"), "250 2.1.5 Ok\r\n");
    EXPECT_EQ(f.say("RCPT TO:<John+tag@Example.ORG>"), "250 2.1.5 Ok\r\n");
    Next n;
    EXPECT_EQ(f.say("DATA", &n), "354 End data with <CR><LF>.<CR><LF>\r\n");
    EXPECT_EQ(n, Next::Data);
    DataStats st;
    st.message_id = "<m@x>";
    EXPECT_EQ(f.s.on_data_end(st), Next::Commit);
    auto env = f.s.envelope("Q1", 0, st);
    EXPECT_EQ(env.sender, "a@remote.example");
    ASSERT_EQ(env.recipients.size(), 2u);
    ASSERT_EQ(env.targets.size(), 1u);  // both reach john's mailbox once
    EXPECT_EQ(env.targets[0].name, "john");
    EXPECT_EQ(env.message_id, "<m@x>");
    f.s.on_commit(true, "Q1", "");
    EXPECT_EQ(f.s.take_output(), "250 2.0.0 Ok: queued as Q1\r\n");
}

TEST(SmtpSession, RecipientRejections) {
    Fixture f;
    f.say("EHLO c");
    f.say("MAIL FROM:<a@remote.example>");
    EXPECT_EQ(f.say("RCPT TO:<nobody@example.org>"),
              "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown\r\n");
    EXPECT_EQ(f.say("RCPT TO:<off@example.org>"),
              "550 5.2.1 <off@example.org>: Recipient address rejected: Mailbox disabled\r\n");
    EXPECT_EQ(f.say("RCPT TO:<staff@example.org>"),
              "550 5.7.1 <staff@example.org>: Recipient address rejected: Access denied\r\n");
    EXPECT_EQ(f.say("RCPT TO:<x@elsewhere.example>"),
              "554 5.7.1 <x@elsewhere.example>: Relay access denied\r\n");
    EXPECT_EQ(f.say("DATA"), "554 5.5.1 Error: no valid recipients\r\n");
}

TEST(SmtpSession, TrustedNetworkMayRelayAndUseInternalAddresses) {
    auto snap = snapshot();
    snap->settings.trusted_networks = *CidrList::parse("192.0.2.0/24");
    Session s(SessionInfo{Listener::Smtp, "mx", *IpAddr::parse("192.0.2.9"), false, false}, snap);
    s.greeting();
    s.on_line("HELO c");
    s.on_line("MAIL FROM:<a@b.example>");
    s.take_output();
    s.on_line("RCPT TO:<x@elsewhere.example>");
    s.on_line("RCPT TO:<staff@example.org>");
    EXPECT_EQ(s.take_output(), "250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n");
}

TEST(SmtpSession, SequenceErrors) {
    Fixture f;
    EXPECT_EQ(f.say("MAIL FROM:<a@b.c>"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
    f.say("EHLO c");
    EXPECT_EQ(f.say("RCPT TO:<john@example.org>"), "503 5.5.1 Error: need MAIL command\r\n");
    EXPECT_EQ(f.say("DATA"), "503 5.5.1 Error: need MAIL command\r\n");
    f.say("MAIL FROM:<>");
    EXPECT_EQ(f.say("MAIL FROM:<>"), "503 5.5.1 Error: nested MAIL command\r\n");
    EXPECT_EQ(f.say("DATA"), "503 5.5.1 Error: need RCPT command\r\n");
}

TEST(SmtpSession, HardErrorLimitCloses) {
    Fixture f;
    Next n = Next::Line;
    for (int i = 0; i < 9; ++i) {
        f.say("BOGUS", &n);
        EXPECT_EQ(n, Next::Line);
    }
    auto out = f.say("BOGUS", &n);
    EXPECT_EQ(n, Next::Close);
    EXPECT_NE(out.find("421 4.7.0 mx.example.org Error: too many errors"), std::string::npos);
}

TEST(SmtpSession, SizeAndRecipientLimits) {
    Fixture f;
    f.say("EHLO c");
    EXPECT_EQ(f.say("MAIL FROM:<a@b.c> SIZE=1001"),
              "552 5.3.4 Message size exceeds fixed limit\r\n");
    f.say("MAIL FROM:<a@b.c>");
    for (int i = 0; i < 3; ++i) EXPECT_EQ(f.say("RCPT TO:<john@example.org>"), "250 2.1.5 Ok\r\n");
    EXPECT_EQ(f.say("RCPT TO:<john@example.org>"), "452 4.5.3 Error: too many recipients\r\n");
    f.say("DATA");
    DataStats st;
    st.too_big = true;
    EXPECT_EQ(f.s.on_data_end(st), Next::Line);
    EXPECT_EQ(f.s.take_output(), "552 5.3.4 Error: message file too big\r\n");
}

TEST(SmtpSession, ParamsAreValidated) {
    Fixture f;
    f.say("EHLO c");
    EXPECT_EQ(f.say("MAIL FROM:<a@b.c> FOO=1"), "555 5.5.4 Unsupported option: FOO\r\n");
    EXPECT_EQ(f.say("MAIL FROM:<a@b.c> BODY=BINARYMIME"),
              "501 5.5.4 Unsupported BODY parameter\r\n");
    EXPECT_EQ(f.say("MAIL FROM:<a@b.c> RET=HDRS ENVID=x+2By"), "250 2.1.0 Ok\r\n");
    EXPECT_EQ(f.say("RCPT TO:<john@example.org> NOTIFY=NEVER,SUCCESS"),
              "501 5.5.4 Bad NOTIFY parameter\r\n");
    EXPECT_EQ(
        f.say("RCPT TO:<john@example.org> NOTIFY=success,delay ORCPT=rfc822;john+40example.org"),
        "250 2.1.5 Ok\r\n");
    f.say("DATA");
    auto env = f.s.envelope("Q", 0, {});
    EXPECT_EQ(env.dsn_ret, "HDRS");
    EXPECT_EQ(env.dsn_envid, "x+y");
    EXPECT_EQ(env.recipients[0].notify, "SUCCESS,DELAY");
}

TEST(SmtpSession, SubmissionNeedsTlsThenAuth) {
    Fixture f(Listener::Submission);
    f.say("EHLO c");
    EXPECT_EQ(f.say("MAIL FROM:<john@example.org>"),
              "530 5.7.0 Must issue a STARTTLS command first\r\n");
    EXPECT_EQ(f.say("AUTH PLAIN"),
              "538 5.7.11 Encryption required for requested authentication mechanism\r\n");
    Next n;
    EXPECT_EQ(f.say("STARTTLS", &n), "220 2.0.0 Ready to start TLS\r\n");
    EXPECT_EQ(n, Next::StartTls);
    f.s.on_tls_started("TLSv1.3");
    EXPECT_EQ(f.say("MAIL FROM:<john@example.org>"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
    auto ehlo = f.say("EHLO c");
    EXPECT_NE(ehlo.find("AUTH PLAIN LOGIN"), std::string::npos);
    EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos);
    EXPECT_EQ(f.say("MAIL FROM:<john@example.org>"), "530 5.7.0 Authentication required\r\n");
}

TEST(SmtpSession, AuthPlainAndLogin) {
    Fixture f(Listener::Submissions, "192.0.2.1", true);
    f.say("EHLO c");
    Next n;
    f.say("AUTH PLAIN " + base64_encode(std::string("\0john\0pw", 8)), &n);
    ASSERT_EQ(n, Next::VerifyAuth);
    EXPECT_EQ(f.s.auth_request().login, "john");
    EXPECT_EQ(f.s.auth_request().password, "pw");
    EXPECT_EQ(f.s.on_auth_result(std::string("john")), Next::Line);
    EXPECT_EQ(f.s.take_output(), "235 2.7.0 Authentication successful\r\n");
    EXPECT_EQ(f.say("AUTH PLAIN"), "503 5.5.1 Error: already authenticated\r\n");

    Fixture g(Listener::Submissions, "192.0.2.1", true);
    g.say("EHLO c");
    EXPECT_EQ(g.say("AUTH LOGIN", &n), "334 VXNlcm5hbWU6\r\n");
    EXPECT_EQ(n, Next::AuthLine);
    EXPECT_EQ(g.say(base64_encode("john"), &n), "334 UGFzc3dvcmQ6\r\n");
    g.say(base64_encode("bad"), &n);
    ASSERT_EQ(n, Next::VerifyAuth);
    EXPECT_EQ(g.s.on_auth_result(std::nullopt), Next::Line);
    EXPECT_EQ(g.s.take_output(), "535 5.7.8 Error: authentication failed\r\n");
    g.say("AUTH LOGIN " + base64_encode("john"));
    g.say(base64_encode("bad"), &n);
    EXPECT_EQ(g.s.on_auth_result(std::nullopt), Next::Close);
    EXPECT_NE(g.s.take_output().find("421 4.7.0"), std::string::npos);
}

TEST(SmtpSession, AuthCancelAndBadBase64) {
    Fixture f(Listener::Submissions, "192.0.2.1", true);
    f.say("EHLO c");
    EXPECT_EQ(f.say("AUTH PLAIN"), "334 \r\n");
    EXPECT_EQ(f.say("*"), "501 5.7.0 Error: authentication aborted\r\n");
    f.say("AUTH PLAIN");
    EXPECT_EQ(f.say("!!!!"), "501 5.5.2 Error: invalid base64 data\r\n");
    EXPECT_EQ(f.say("AUTH CRAM-MD5"), "504 5.5.4 Error: unsupported authentication mechanism\r\n");
}

TEST(SmtpSession, SenderLoginMismatch) {
    auto snap = snapshot();
    snap->settings.enforce_sender_login_match = true;
    snap->users["mary"] = store::User{"mary"};
    Session s(SessionInfo{Listener::Submissions, "mx", *IpAddr::parse("192.0.2.1"), false, true},
              snap);
    s.greeting();
    s.on_line("EHLO c");
    s.on_line("AUTH PLAIN " + base64_encode(std::string("\0john\0pw", 8)));
    s.on_auth_result(std::string("john"));
    s.take_output();
    s.on_line("MAIL FROM:<mary@example.org>");
    EXPECT_EQ(s.take_output(),
              "553 5.7.1 <mary@example.org>: Sender address rejected: not owned by user john\r\n");
    s.on_line("MAIL FROM:<john@example.org>");
    EXPECT_EQ(s.take_output(), "250 2.1.0 Ok\r\n");
}

TEST(SmtpSession, BdatFlow) {
    Fixture f;
    f.say("EHLO c");
    Next n;
    f.say("BDAT 10", &n);
    ASSERT_EQ(n, Next::Bdat);
    EXPECT_TRUE(f.s.message_discarding());
    EXPECT_EQ(f.s.on_bdat_chunk({}), Next::Line);
    EXPECT_EQ(f.s.take_output(), "503 5.5.1 Error: need MAIL command\r\n");
    f.say("MAIL FROM:<a@b.c>");
    f.say("RCPT TO:<john@example.org>");
    f.say("BDAT 5", &n);
    ASSERT_EQ(n, Next::Bdat);
    EXPECT_FALSE(f.s.message_discarding());
    EXPECT_EQ(f.s.on_bdat_chunk({}), Next::Line);
    EXPECT_EQ(f.s.take_output(), "250 2.0.0 5 bytes received\r\n");
    EXPECT_EQ(f.say("DATA"), "503 5.5.1 Error: DATA after BDAT\r\n");
    f.say("BDAT 0 LAST", &n);
    ASSERT_EQ(n, Next::Bdat);
    EXPECT_EQ(f.s.on_bdat_chunk({}), Next::Commit);
    EXPECT_EQ(f.say("BDAT x"), "501 5.5.4 Syntax: BDAT count [LAST]\r\n");
}

TEST(SmtpSession, PostmasterWithoutDomain) {
    Fixture f;
    f.say("HELO c");
    f.say("MAIL FROM:<a@b.c>");
    // No postmaster user or address exists here: the rewritten address is checked like any other.
    EXPECT_EQ(f.say("RCPT TO:<postmaster>"),
              "550 5.1.1 <postmaster@example.org>: Recipient address rejected: User unknown\r\n");
}

TEST(SmtpSession, ReceivedHeader) {
    Fixture f(Listener::Smtp, "2001:db8::1");
    f.say("EHLO client(evil)");
    f.say("MAIL FROM:<a@b.c>");
    f.say("RCPT TO:<john@example.org>");
    auto h = f.s.received_header("QID", 0);
    EXPECT_EQ(h,
              "Received: from client?evil? ([IPv6:2001:db8::1])\r\n\tby mx.example.org (Magpie) "
              "with ESMTP id QID\r\n"
              "\tfor <john@example.org>; Thu, 01 Jan 1970 00:00:00 +0000\r\n");
}
