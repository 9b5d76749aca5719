// Unit tests for the POP3 session state machine (driven line by line without sockets), the
// command parser, the message encoder (CRLF, byte-stuffing, TOP) and the maildrop loader.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/base64.h"
#include "mailbox/flags.h"
#include "mailbox/folder.h"
#include "pop3/proto/command.h"
#include "pop3/proto/limits.h"
#include "pop3/proto/maildrop.h"
#include "pop3/proto/message_encoder.h"
#include "pop3/proto/session.h"

using namespace magpie;
using namespace magpie::pop3;

namespace {

std::shared_ptr<store::Snapshot> snapshot(bool plaintext = false) {
    auto s = std::make_shared<store::Snapshot>();
    s->settings.allow_plaintext_auth = plaintext;
    s->settings.mail_max_auth_failures = 2;
    return s;
}

Maildrop sample_drop() {
    Maildrop d;
    d.uidvalidity = 0x5F5E100;
    d.messages = {{1, 120}, {2, 200}, {7, 30}};
    return d;
}

struct Fixture {
    explicit Fixture(bool tls = false, bool tls_available = true, bool plaintext = false)
        : s(SessionInfo{"pop.example.org", *IpAddr::parse("192.0.2.9"), "192.0.2.1", tls_available,
                        tls},
            snapshot(plaintext)) {
        greeting = s.greeting();
    }
    std::string say(std::string_view line, Next* next = nullptr) {
        Next n = s.on_line(line);
        if (next) *next = n;
        return s.take_output();
    }
    // Logs in over TLS as alice with the sample maildrop.
    void login() {
        Next n;
        say("USER alice", &n);
        say("PASS secret", &n);
        ASSERT_EQ(n, Next::VerifyAuth);
        ASSERT_EQ(s.on_auth_result(auth::MailLogin{"alice", ""}), Next::OpenMaildrop);
        ASSERT_EQ(s.on_maildrop(sample_drop()), Next::Line);
        ASSERT_EQ(s.take_output(), "+OK Logged in.\r\n");
    }
    std::string greeting;
    Session s;
};

bool has_line(const std::string& out, std::string_view line) {
    return out.find(std::string(line) + "\r\n") != std::string::npos;
}

}  // namespace

TEST(Pop3Command, Parse) {
    auto c = parse_command("top 3  10");
    EXPECT_EQ(c.verb, Verb::Top);
    ASSERT_EQ(c.args.size(), 2u);
    EXPECT_EQ(c.args[0], "3");
    EXPECT_EQ(c.args[1], "10");
    auto p = parse_command("PASS pass word with spaces ");
    EXPECT_EQ(p.verb, Verb::Pass);
    EXPECT_EQ(p.rest, "pass word with spaces ");
    EXPECT_EQ(parse_command("XTND").verb, Verb::Unknown);
    EXPECT_EQ(parse_number("42"), 42u);
    EXPECT_FALSE(parse_number("-1"));
    EXPECT_FALSE(parse_number("1x"));
    EXPECT_FALSE(parse_number(""));
    EXPECT_FALSE(parse_number("1234567890"));  // more than 9 digits
}

TEST(Pop3Session, GreetingHasNoApopTimestamp) {
    Fixture f;
    EXPECT_EQ(f.greeting.substr(0, 4), "+OK ");
    EXPECT_EQ(f.greeting.find('<'), std::string::npos);
}

TEST(Pop3Session, CapaBeforeAndAfterTls) {
    Fixture f;
    auto out = f.say("CAPA");
    EXPECT_EQ(out.substr(0, 4), "+OK ");
    EXPECT_TRUE(has_line(out, "STLS"));
    EXPECT_TRUE(has_line(out, "UIDL"));
    EXPECT_TRUE(has_line(out, "TOP"));
    EXPECT_TRUE(has_line(out, "RESP-CODES"));
    EXPECT_TRUE(has_line(out, "AUTH-RESP-CODE"));
    EXPECT_TRUE(has_line(out, "PIPELINING"));
    EXPECT_FALSE(has_line(out, "USER"));
    EXPECT_EQ(out.find("SASL"), std::string::npos);
    EXPECT_EQ(out.find("APOP"), std::string::npos);
    EXPECT_EQ(out.substr(out.size() - 3), ".\r\n");

    Next n;
    EXPECT_EQ(f.say("STLS", &n), "+OK Begin TLS negotiation now.\r\n");
    EXPECT_EQ(n, Next::StartTls);
    EXPECT_EQ(f.s.on_tls_started(), Next::Line);
    out = f.say("CAPA");
    EXPECT_FALSE(has_line(out, "STLS"));
    EXPECT_TRUE(has_line(out, "USER"));
    EXPECT_TRUE(has_line(out, "SASL PLAIN LOGIN"));
    EXPECT_EQ(f.say("STLS").substr(0, 5), "-ERR ");
}

TEST(Pop3Session, CapaWithPlaintextAllowedAndAfterLogin) {
    Fixture f(false, true, true);
    auto out = f.say("CAPA");
    EXPECT_TRUE(has_line(out, "STLS"));
    EXPECT_TRUE(has_line(out, "USER"));
    EXPECT_TRUE(has_line(out, "SASL PLAIN LOGIN"));
    f.login();
    out = f.say("CAPA");
    EXPECT_FALSE(has_line(out, "USER"));
    EXPECT_FALSE(has_line(out, "STLS"));
    EXPECT_TRUE(has_line(out, "UIDL"));
}

TEST(Pop3Session, ImplicitTlsHasNoStls) {
    Fixture f(true, false);
    EXPECT_FALSE(has_line(f.say("CAPA"), "STLS"));
    EXPECT_EQ(f.say("STLS"), "-ERR TLS is already active.\r\n");
}

TEST(Pop3Session, PlaintextRefusedWithoutTls) {
    Fixture f;
    auto refused =
        "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\r\n";
    EXPECT_EQ(f.say("USER alice"), refused);
    EXPECT_EQ(f.say("PASS secret"), refused);
    EXPECT_EQ(f.say("AUTH PLAIN"), refused);
    EXPECT_EQ(f.say("AUTH LOGIN"), refused);
    EXPECT_EQ(f.say("AUTH"), "+OK\r\n.\r\n");  // no mechanism usable yet
    EXPECT_EQ(f.say("APOP alice 0123456789abcdef"), "-ERR APOP is not supported.\r\n");
}

TEST(Pop3Session, UserPassAfterStls) {
    Fixture f;
    f.say("USER early");
    f.say("STLS");
    f.s.on_tls_started();
    EXPECT_EQ(f.say("PASS x"), "-ERR No username given.\r\n");  // USER before TLS forgotten
    EXPECT_EQ(f.say("USER alice"), "+OK\r\n");
    Next n;
    EXPECT_EQ(f.say("PASS pass word", &n), "");
    EXPECT_EQ(n, Next::VerifyAuth);
    EXPECT_EQ(f.s.auth_request().mechanism, "PLAIN");
    EXPECT_EQ(f.s.auth_request().authcid, "alice");
    EXPECT_EQ(f.s.auth_request().authzid, "");
    EXPECT_EQ(f.s.auth_request().password, "pass word");
    EXPECT_EQ(f.s.on_auth_result(auth::MailLogin{"alice", ""}), Next::OpenMaildrop);
    EXPECT_EQ(f.s.user(), "alice");
    EXPECT_EQ(f.s.on_maildrop(sample_drop()), Next::Line);
    EXPECT_EQ(f.s.take_output(), "+OK Logged in.\r\n");
    auto log = f.s.take_log();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].first, "pop3-login");
    EXPECT_EQ(log[0].second,
              "Login: user=<alice>, method=PLAIN, rip=192.0.2.9, lip=192.0.2.1, TLS");
}

TEST(Pop3Session, PlaintextAllowedBySetting) {
    Fixture f(false, true, true);
    EXPECT_EQ(f.say("USER alice"), "+OK\r\n");
    Next n;
    f.say("PASS secret", &n);
    EXPECT_EQ(n, Next::VerifyAuth);
}

TEST(Pop3Session, AuthPlainWithInitialResponse) {
    Fixture f(true, false);
    Next n;
    auto ir = base64_encode(std::string("bob\0alice\0pw", 12));
    EXPECT_EQ(f.say("AUTH PLAIN " + ir, &n), "");
    EXPECT_EQ(n, Next::VerifyAuth);
    EXPECT_EQ(f.s.auth_request().authzid, "bob");
    EXPECT_EQ(f.s.auth_request().authcid, "alice");
    EXPECT_EQ(f.s.auth_request().password, "pw");
    f.s.on_auth_result(auth::MailLogin{"bob", "alice"});
    f.s.on_maildrop(sample_drop());
    auto log = f.s.take_log();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].second.find("user=<bob>"), std::string::npos);
    EXPECT_NE(log[0].second.find("master=<alice>"), std::string::npos);
}

TEST(Pop3Session, AuthPlainWithContinuation) {
    Fixture f(true, false);
    Next n;
    EXPECT_EQ(f.say("auth plain", &n), "+ \r\n");
    EXPECT_EQ(n, Next::AuthLine);
    EXPECT_EQ(f.s.line_limit(), kMaxSaslLine);
    EXPECT_EQ(f.say(base64_encode(std::string("\0alice\0pw", 9)), &n), "");
    EXPECT_EQ(n, Next::VerifyAuth);
    EXPECT_EQ(f.s.auth_request().authcid, "alice");
    EXPECT_EQ(f.s.line_limit(), kMaxCommandLine);
}

TEST(Pop3Session, AuthLoginWithAndWithoutInitialResponse) {
    Fixture f(true, false);
    Next n;
    EXPECT_EQ(f.say("AUTH LOGIN", &n), "+ VXNlcm5hbWU6\r\n");
    EXPECT_EQ(n, Next::AuthLine);
    EXPECT_EQ(f.say(base64_encode("alice"), &n), "+ UGFzc3dvcmQ6\r\n");
    EXPECT_EQ(n, Next::AuthLine);
    f.say(base64_encode("pw"), &n);
    EXPECT_EQ(n, Next::VerifyAuth);
    EXPECT_EQ(f.s.auth_request().mechanism, "LOGIN");
    EXPECT_EQ(f.s.auth_request().authcid, "alice");
    EXPECT_EQ(f.s.auth_request().password, "pw");
    f.s.on_auth_result(std::nullopt);
    EXPECT_EQ(f.s.take_output(), "-ERR [AUTH] Authentication failed.\r\n");

    EXPECT_EQ(f.say("AUTH LOGIN " + base64_encode("alice*bob"), &n), "+ UGFzc3dvcmQ6\r\n");
    f.say(base64_encode("pw"), &n);
    EXPECT_EQ(n, Next::VerifyAuth);
    EXPECT_EQ(f.s.auth_request().authcid, "alice*bob");
}

TEST(Pop3Session, AuthCancelBadBase64AndUnknownMechanism) {
    Fixture f(true, false);
    Next n;
    f.say("AUTH PLAIN", &n);
    EXPECT_EQ(f.say("*", &n), "-ERR Authentication aborted.\r\n");
    EXPECT_EQ(n, Next::Line);
    f.say("AUTH LOGIN", &n);
    EXPECT_EQ(f.say("!!!", &n), "-ERR Invalid base64 data in continued response.\r\n");
    EXPECT_EQ(f.say("AUTH CRAM-MD5"), "-ERR Unsupported authentication mechanism.\r\n");
    EXPECT_EQ(f.say("AUTH PLAIN " + base64_encode("no-nuls")),
              "-ERR Malformed PLAIN response.\r\n");
    EXPECT_EQ(f.say("AUTH PLAIN *"), "-ERR Authentication aborted.\r\n");
    EXPECT_EQ(f.say("AUTH"), "+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n");
    f.say("AUTH PLAIN =", &n);  // an empty initial response
    EXPECT_EQ(n, Next::Line);   // is malformed for PLAIN
}

TEST(Pop3Session, AuthFailuresCloseAtTheLimit) {
    Fixture f(true, false);
    Next n;
    f.say("USER alice");
    f.say("PASS wrong");
    EXPECT_EQ(f.s.on_auth_result(std::nullopt), Next::Line);
    EXPECT_EQ(f.s.take_output(), "-ERR [AUTH] Authentication failed.\r\n");
    f.say("USER alice");
    f.say("PASS wrong", &n);
    EXPECT_EQ(f.s.on_auth_result(std::nullopt), Next::Close);  // mail_max_auth_failures = 2
    EXPECT_EQ(f.s.take_output(), "-ERR [AUTH] Authentication failed.\r\n");
    f.s.on_closed(false);
    auto log = f.s.take_log();
    ASSERT_EQ(log.size(), 3u);
    EXPECT_EQ(
        log[0].second,
        "Authentication failed: user=<alice>, method=PLAIN, rip=192.0.2.9, lip=192.0.2.1, TLS");
    EXPECT_NE(log[2].second.find("auth failed, 2 attempts"), std::string::npos);
}

TEST(Pop3Session, WrongStateCommands) {
    Fixture f(true, false);
    EXPECT_EQ(f.say("STAT"), "-ERR Not logged in.\r\n");
    EXPECT_EQ(f.say("RETR 1"), "-ERR Not logged in.\r\n");
    EXPECT_EQ(f.say("NOOP"), "-ERR Not logged in.\r\n");
    f.login();
    EXPECT_EQ(f.say("USER bob"), "-ERR Command not valid in this state.\r\n");
    EXPECT_EQ(f.say("PASS x"), "-ERR Command not valid in this state.\r\n");
    EXPECT_EQ(f.say("AUTH PLAIN"), "-ERR Command not valid in this state.\r\n");
    EXPECT_EQ(f.say("STLS"), "-ERR Command not valid in this state.\r\n");
    EXPECT_EQ(f.say("XYZZY"), "-ERR Unknown command.\r\n");
    EXPECT_EQ(f.say(""), "-ERR Unknown command.\r\n");
}

TEST(Pop3Session, StatListUidl) {
    Fixture f(true, false);
    f.login();
    EXPECT_EQ(f.say("STAT"), "+OK 3 350\r\n");
    EXPECT_EQ(f.say("LIST"), "+OK 3 messages (350 octets)\r\n1 120\r\n2 200\r\n3 30\r\n.\r\n");
    EXPECT_EQ(f.say("LIST 2"), "+OK 2 200\r\n");
    EXPECT_EQ(f.say("list 4"), "-ERR There's no message 4.\r\n");
    EXPECT_EQ(f.say("LIST 0"), "-ERR Invalid message number: 0\r\n");
    EXPECT_EQ(f.say("LIST x"), "-ERR Invalid message number: x\r\n");
    EXPECT_EQ(f.say("LIST 1 2"), "-ERR LIST takes at most one argument.\r\n");
    EXPECT_EQ(f.say("UIDL"),
              "+OK\r\n1 0000000105F5E100\r\n2 0000000205F5E100\r\n3 0000000705F5E100\r\n.\r\n");
    EXPECT_EQ(f.say("UIDL 3"), "+OK 3 0000000705F5E100\r\n");
    EXPECT_EQ(f.say("NOOP"), "+OK\r\n");
    EXPECT_EQ(f.say("STAT 1"), "-ERR STAT takes no arguments.\r\n");
}

TEST(Pop3Session, DeleRsetAndUpdate) {
    Fixture f(true, false);
    f.login();
    EXPECT_EQ(f.say("DELE 1"), "+OK Message 1 deleted.\r\n");
    EXPECT_EQ(f.say("DELE 1"), "-ERR Message 1 is deleted.\r\n");
    EXPECT_EQ(f.say("RETR 1"), "-ERR Message 1 is deleted.\r\n");
    EXPECT_EQ(f.say("LIST 1"), "-ERR Message 1 is deleted.\r\n");
    EXPECT_EQ(f.say("STAT"), "+OK 2 230\r\n");
    EXPECT_EQ(f.say("LIST"), "+OK 2 messages (230 octets)\r\n2 200\r\n3 30\r\n.\r\n");
    EXPECT_EQ(f.say("RSET"), "+OK Maildrop has 3 messages (350 octets)\r\n");
    EXPECT_EQ(f.say("STAT"), "+OK 3 350\r\n");
    f.say("DELE 3");
    f.say("DELE 2");
    Next n;
    f.say("RETR 1", &n);
    ASSERT_EQ(n, Next::SendMessage);
    f.s.on_send_begin();
    f.s.on_sent(120);
    f.s.take_output();
    EXPECT_EQ(f.say("QUIT", &n), "");
    EXPECT_EQ(n, Next::Update);
    EXPECT_EQ(f.s.deleted_uids(), (std::vector<uint32_t>{2, 7}));
    EXPECT_EQ(f.s.seen_uids(), (std::vector<uint32_t>{1}));
    EXPECT_EQ(f.s.on_update_done(2), Next::Close);
    EXPECT_EQ(f.s.take_output(), "+OK Logging out.\r\n");
    f.s.take_log();
    f.s.on_closed(false);
    auto log = f.s.take_log();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].first, "pop3(alice)");
    EXPECT_EQ(log[0].second, "Disconnected: Logged out top=0/0, retr=1/120, del=2/3, size=350");
}

TEST(Pop3Session, UpdateThatCouldNotRemoveEverything) {
    Fixture f(true, false);
    f.login();
    f.say("DELE 1");
    f.say("QUIT");
    EXPECT_EQ(f.s.on_update_done(0), Next::Close);
    EXPECT_EQ(f.s.take_output(), "-ERR [SYS/TEMP] Some deleted messages were not removed.\r\n");
}

TEST(Pop3Session, DroppedConnectionDeletesNothing) {
    Fixture f(true, false);
    f.login();
    f.say("DELE 1");
    f.s.on_closed(true);
    auto log = f.s.take_log();
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.back().second,
              "Disconnected: Connection closed top=0/0, retr=0/0, del=0/3, size=350");
}

TEST(Pop3Session, RetrAndTop) {
    Fixture f(true, false);
    f.login();
    Next n;
    EXPECT_EQ(f.say("RETR 2", &n), "");
    EXPECT_EQ(n, Next::SendMessage);
    EXPECT_EQ(f.s.send_request().uid, 2u);
    EXPECT_EQ(f.s.send_request().number, 2u);
    EXPECT_EQ(f.s.send_request().body_lines, -1);
    f.s.on_send_begin();
    EXPECT_EQ(f.s.take_output(), "+OK 200 octets\r\n");
    f.s.on_sent(205);
    EXPECT_EQ(f.say("TOP 3 5", &n), "");
    EXPECT_EQ(n, Next::SendMessage);
    EXPECT_EQ(f.s.send_request().uid, 7u);
    EXPECT_EQ(f.s.send_request().body_lines, 5);
    f.s.on_send_begin();
    EXPECT_EQ(f.s.take_output(), "+OK\r\n");
    f.s.on_sent(10);
    EXPECT_EQ(f.say("TOP 1 0", &n), "");
    EXPECT_EQ(f.s.send_request().body_lines, 0);
    EXPECT_EQ(f.s.on_send_missing(), Next::Line);
    EXPECT_EQ(f.s.take_output(),
              "-ERR Message 1 no longer exists (expunged by another session).\r\n");
    EXPECT_EQ(f.say("TOP 1"), "-ERR TOP takes a message number and a line count.\r\n");
    EXPECT_EQ(f.say("TOP 1 -1"), "-ERR Invalid line count: -1\r\n");
    EXPECT_EQ(f.say("RETR"), "-ERR RETR takes one message number.\r\n");
    EXPECT_EQ(f.say("RETR 9"), "-ERR There's no message 9.\r\n");
    EXPECT_EQ(f.say("RETR 99999999999"), "-ERR Invalid message number: 99999999999\r\n");
    f.say("QUIT");
    EXPECT_EQ(f.s.seen_uids(), (std::vector<uint32_t>{2}));  // TOP does not mark \Seen
    f.s.on_update_done(0);
    f.s.on_closed(false);
    EXPECT_EQ(f.s.take_log().back().second,
              "Disconnected: Logged out top=1/10, retr=1/205, del=0/3, size=350");
}

TEST(Pop3Session, MaildropErrors) {
    Fixture f(true, false);
    f.say("USER alice");
    f.say("PASS pw");
    f.s.on_auth_result(auth::MailLogin{"alice", ""});
    EXPECT_EQ(f.s.on_maildrop_error(MaildropError::InUse), Next::Close);
    EXPECT_EQ(f.s.take_output().substr(0, 14), "-ERR [IN-USE] ");
    Fixture g(true, false);
    g.say("USER alice");
    g.say("PASS pw");
    g.s.on_auth_result(auth::MailLogin{"alice", ""});
    EXPECT_EQ(g.s.on_maildrop_error(MaildropError::Temporary), Next::Close);
    EXPECT_EQ(g.s.take_output().substr(0, 16), "-ERR [SYS/TEMP] ");
}

TEST(Pop3Session, QuitInAuthorizationState) {
    Fixture f;
    Next n;
    EXPECT_EQ(f.say("QUIT", &n), "+OK Logging out.\r\n");
    EXPECT_EQ(n, Next::Close);
}

TEST(Pop3Session, LineTooLongAndBadCommandLimit) {
    Fixture f;
    EXPECT_EQ(f.s.line_limit(), 255u);
    EXPECT_EQ(f.s.on_line_too_long(), Next::Line);
    EXPECT_EQ(f.s.take_output(), "-ERR Line too long.\r\n");
    EXPECT_EQ(f.say(std::string("NOOP\0", 5)), "-ERR NUL character in command.\r\n");
    Next n = Next::Line;
    for (int i = 3; i < kMaxBadCommands; ++i) f.say("BOGUS", &n);
    EXPECT_EQ(n, Next::Line);
    EXPECT_EQ(f.say("BOGUS", &n), "-ERR Unknown command.\r\n-ERR Too many bad commands.\r\n");
    EXPECT_EQ(n, Next::Close);
}

TEST(Pop3Session, TimeoutAndShutdown) {
    Fixture f(true, false);
    f.login();
    EXPECT_EQ(f.s.on_timeout(), Next::Close);
    EXPECT_EQ(f.s.take_output(), "");  // RFC 1939 §3: no response, no UPDATE
    f.s.on_closed(true);
    EXPECT_NE(f.s.take_log().back().second.find("Disconnected: Inactivity"), std::string::npos);
    Fixture g;
    EXPECT_EQ(g.s.on_shutdown(), Next::Close);
    EXPECT_EQ(g.s.take_output(), "-ERR [SYS/TEMP] Server shutting down.\r\n");
}

TEST(Pop3Encoder, CrlfAndByteStuffing) {
    std::string in = "Subject: x\n\n.hidden\r\n..two\nlast.\n.\n";
    std::string out;
    MessageEncoder e;
    e.feed(in, out);
    e.finish(out);
    EXPECT_EQ(out, "Subject: x\r\n\r\n..hidden\r\n...two\r\nlast.\r\n..\r\n");
    EXPECT_EQ(pop3_size(in), out.size() - 3);  // stuffing not counted
}

TEST(Pop3Encoder, ChunkBoundariesAndMissingFinalNewline) {
    std::string in = "A: b\r\n\r\nline\r\n.x\r\nno end";
    std::string whole;
    MessageEncoder w;
    w.feed(in, whole);
    w.finish(whole);
    for (size_t cut = 0; cut <= in.size(); ++cut) {
        std::string out;
        MessageEncoder e;
        e.feed(std::string_view(in).substr(0, cut), out);
        e.feed(std::string_view(in).substr(cut), out);
        e.finish(out);
        EXPECT_EQ(out, whole) << cut;
    }
    EXPECT_EQ(whole, "A: b\r\n\r\nline\r\n..x\r\nno end\r\n");
    std::string bare_cr;
    MessageEncoder c;
    c.feed("a\rb\r", bare_cr);
    c.finish(bare_cr);
    EXPECT_EQ(bare_cr, "a\rb\r\r\n");
}

TEST(Pop3Encoder, TopCutsAfterBodyLines) {
    std::string msg = "H: 1\nH: 2\n\nb1\n.b2\nb3\n";
    auto top = [&](int64_t n) {
        std::string out;
        MessageEncoder e(n);
        e.feed(msg, out);
        e.finish(out);
        return out;
    };
    EXPECT_EQ(top(0), "H: 1\r\nH: 2\r\n\r\n");
    EXPECT_EQ(top(2), "H: 1\r\nH: 2\r\n\r\nb1\r\n..b2\r\n");
    EXPECT_EQ(top(100), "H: 1\r\nH: 2\r\n\r\nb1\r\n..b2\r\nb3\r\n");
    std::string out;
    MessageEncoder e(0);
    e.feed("H: only header\n", out);
    e.finish(out);
    EXPECT_EQ(out, "H: only header\r\n");
}

TEST(Pop3Maildrop, UidlAndVsize) {
    EXPECT_EQ(uidl_of(1, 0x12AB), "00000001000012AB");
    EXPECT_EQ(uidl_of(0xFFFFFFFF, 1), "FFFFFFFF00000001");
    EXPECT_EQ(vsize_from_name("1.M1P2.h,S=100,W=104:2,S"), 104u);
    EXPECT_EQ(vsize_from_name("1.M1P2.h,W=7"), 7u);
    EXPECT_FALSE(vsize_from_name("1.M1P2.h,S=100:2,S"));
    EXPECT_FALSE(vsize_from_name("1.M1P2.h,W=:2,"));
}

TEST(Pop3Maildrop, LoadsSizesAsSent) {
    char tmpl[] = "/tmp/magpie-pop3-XXXXXX";
    std::string root = ::mkdtemp(tmpl);
    {
        mailbox::Folder folder(root, "host");
        folder.append({"A: 1\r\n\r\nbody\r\n", 0, {}, 0});
        folder.append({"A: 2\n\nbody\n.dot\n", mailbox::kSeen, {}, 0});
        // A Dovecot file whose name carries the virtual size.
        std::ofstream(root + "/cur/1700000000.M1P1.old,S=3,W=999:2,S") << "x\ny";
        // Delivered to new/, not yet seen by anyone.
        std::ofstream(root + "/new/1700000001.M2P2.new") << "B: 3\n";
        SizeCache cache;
        Maildrop d = load_maildrop(folder, cache);
        ASSERT_EQ(d.messages.size(), 4u);
        EXPECT_EQ(d.uidvalidity, folder.uidvalidity());
        EXPECT_EQ(d.messages[0].size, 14u);
        EXPECT_EQ(d.messages[1].size, 20u);
        EXPECT_EQ(d.messages[2].size, 999u);
        EXPECT_EQ(d.messages[3].size, 6u);
        EXPECT_TRUE(std::filesystem::exists(root + "/new/1700000001.M2P2.new"));  // not moved
        // The same UIDs on a second load.
        Maildrop again = load_maildrop(folder, cache);
        for (size_t i = 0; i < d.messages.size(); ++i)
            EXPECT_EQ(again.messages[i].uid, d.messages[i].uid);
    }
    std::filesystem::remove_all(root);
}

TEST(Pop3Session, LoginNamesAreCleanedForTheLog) {
    Fixture f(true, false);
    Next n;
    f.say("AUTH PLAIN " + base64_encode(std::string("\0eve\nfake line\0pw", 17)), &n);
    ASSERT_EQ(n, Next::VerifyAuth);
    f.s.on_auth_result(std::nullopt);
    auto log = f.s.take_log();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].second.find('\n'), std::string::npos);
    EXPECT_NE(log[0].second.find("user=<eve?fake line>"), std::string::npos);
}
