// Delivery status notifications: the NOTIFY policy, and make_dsn's output parsed back with
// the MIME library — header, multipart/report structure, every delivery-status field, the
// returned original per RET, CRLF line ends and a boundary that occurs nowhere inside.
#include "queue/dsn.h"

#include <gtest/gtest.h>

#include <map>

#include "mime/header.h"
#include "mime/parser.h"

namespace magpie::queue {
namespace {

Envelope envelope() {
    Envelope env;
    env.id = "7K3ZQ2M1A4BC9D";
    env.arrival = 1751371200;  // 2025-07-01 12:00:00 UTC
    env.sender = "alice@example.org";
    env.recipients = {{"bob@remote.net", "", "rfc822;bob+2Bx@remote.net"},
                      {"carol@remote.net", "", ""}};
    return env;
}

const std::string kOriginal =
    "From: alice@example.org\r\n"
    "To: bob@remote.net\r\n"
    "Subject: hello\r\n"
    "Message-ID: <m1@example.org>\r\n"
    "\r\n"
    "Body line one.\r\n"
    "Body line two.\r\n";

DsnRecipient failed_bob() {
    return {"bob@remote.net", "rfc822;bob+2Bx@remote.net",
            "failed",         "5.1.1",
            "mx.remote.net",  "smtp; 550 5.1.1 <bob@remote.net>: user unknown",
            1751371260};
}

std::string header(const mime::Part& p, std::string_view name) {
    auto* f = p.header(name);
    return f ? mime::unfold_trim(f->raw_value) : std::string("(absent)");
}

// The field groups of a message/delivery-status body (RFC 3464 §2.1): blank-line separated
// blocks of "Name: value" lines.
std::vector<std::map<std::string, std::string>> status_groups(std::string_view body) {
    std::vector<std::map<std::string, std::string>> out(1);
    size_t pos = 0;
    while (pos < body.size()) {
        size_t nl = body.find("\r\n", pos);
        if (nl == std::string_view::npos) nl = body.size();
        auto line = body.substr(pos, nl - pos);
        pos = nl + 2;
        if (line.empty()) {
            if (!out.back().empty()) out.emplace_back();
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        out.back()[std::string(line.substr(0, colon))] =
            std::string(line.substr(colon + 2));  // after ": "
    }
    if (out.back().empty()) out.pop_back();
    return out;
}

void expect_crlf_only(const std::string& m) {
    for (size_t i = 0; i < m.size(); ++i) {
        if (m[i] == '\n') {
            ASSERT_TRUE(i > 0 && m[i - 1] == '\r') << "bare LF at " << i;
        }
        if (m[i] == '\r') {
            ASSERT_TRUE(i + 1 < m.size() && m[i + 1] == '\n') << "bare CR at " << i;
        }
    }
}

TEST(DsnPolicy, NotifyRules) {
    auto env = envelope();
    auto want = [&](std::string notify, DsnKind k) {
        return dsn_wanted(env, Recipient{"b@x.org", std::move(notify), ""}, k);
    };
    // Absent NOTIFY: failures only, no delay warnings, no success reports.
    EXPECT_TRUE(want("", DsnKind::Failure));
    EXPECT_FALSE(want("", DsnKind::Delay));
    EXPECT_FALSE(want("", DsnKind::Success));
    EXPECT_FALSE(want("NEVER", DsnKind::Failure));
    EXPECT_FALSE(want("NEVER", DsnKind::Delay));
    EXPECT_FALSE(want("never", DsnKind::Success));
    EXPECT_TRUE(want("SUCCESS", DsnKind::Success));
    EXPECT_FALSE(want("SUCCESS", DsnKind::Failure));
    EXPECT_FALSE(want("SUCCESS", DsnKind::Delay));
    EXPECT_TRUE(want("DELAY", DsnKind::Delay));
    EXPECT_FALSE(want("DELAY", DsnKind::Failure));
    EXPECT_TRUE(want("SUCCESS,FAILURE,DELAY", DsnKind::Failure));
    EXPECT_TRUE(want("SUCCESS,FAILURE,DELAY", DsnKind::Delay));
    EXPECT_TRUE(want("SUCCESS,FAILURE,DELAY", DsnKind::Success));
    EXPECT_TRUE(want("failure", DsnKind::Failure));
    // Never to the null sender, whatever NOTIFY says.
    env.sender.clear();
    EXPECT_FALSE(want("", DsnKind::Failure));
    EXPECT_FALSE(want("SUCCESS,FAILURE,DELAY", DsnKind::Success));
}

TEST(Dsn, Date) {
    EXPECT_EQ(rfc5322_date(1751371200), "Tue, 01 Jul 2025 12:00:00 +0000");
    EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
}

TEST(Dsn, FailureReportFields) {
    auto env = envelope();
    env.dsn_envid = "QQ314159";
    DsnInput in{env, {failed_bob()}, "mail.example.org", env.arrival, 1751374800, kOriginal};
    auto m = make_dsn(in);
    expect_crlf_only(m);

    auto msg = mime::parse_message(m);
    auto& root = msg.root;
    EXPECT_EQ(header(root, "From"), "\"Mail Delivery System\" <MAILER-DAEMON@mail.example.org>");
    EXPECT_EQ(header(root, "To"), "<alice@example.org>");
    EXPECT_EQ(header(root, "Subject"), "Undelivered Mail Returned to Sender");
    EXPECT_EQ(header(root, "Date"), "Tue, 01 Jul 2025 13:00:00 +0000");
    auto mid = header(root, "Message-ID");
    EXPECT_EQ(mid.front(), '<');
    EXPECT_NE(mid.find("@mail.example.org>"), std::string::npos);
    EXPECT_EQ(header(root, "Auto-Submitted"), "auto-replied");
    EXPECT_EQ(header(root, "MIME-Version"), "1.0");
    EXPECT_EQ(root.type, "multipart");
    EXPECT_EQ(root.subtype, "report");
    EXPECT_EQ(root.param("report-type"), "delivery-status");
    auto boundary = root.param("boundary");
    EXPECT_FALSE(boundary.empty());
    EXPECT_EQ(kOriginal.find(boundary), std::string::npos);

    ASSERT_EQ(root.children.size(), 3u);
    auto& text = root.children[0];
    EXPECT_EQ(text.type + "/" + text.subtype, "text/plain");
    auto human = std::string(text.body_bytes(m));
    EXPECT_NE(human.find("mail.example.org"), std::string::npos);
    EXPECT_NE(human.find("<bob@remote.net>: failed (host mx.remote.net)"), std::string::npos);
    EXPECT_NE(human.find("550 5.1.1 <bob@remote.net>: user unknown"), std::string::npos);

    auto& ds = root.children[1];
    EXPECT_EQ(ds.type + "/" + ds.subtype, "message/delivery-status");
    auto groups = status_groups(ds.body_bytes(m));
    ASSERT_EQ(groups.size(), 2u);
    auto& per_msg = groups[0];
    EXPECT_EQ(per_msg["Reporting-MTA"], "dns; mail.example.org");
    EXPECT_EQ(per_msg["Original-Envelope-Id"], "QQ314159");
    EXPECT_EQ(per_msg["Arrival-Date"], "Tue, 01 Jul 2025 12:00:00 +0000");
    EXPECT_EQ(per_msg["X-Magpie-Queue-ID"], "7K3ZQ2M1A4BC9D");
    auto& per_rcpt = groups[1];
    EXPECT_EQ(per_rcpt["Original-Recipient"], "rfc822; bob+x@remote.net");  // xtext decoded
    EXPECT_EQ(per_rcpt["Final-Recipient"], "rfc822; bob@remote.net");
    EXPECT_EQ(per_rcpt["Action"], "failed");
    EXPECT_EQ(per_rcpt["Status"], "5.1.1");
    EXPECT_EQ(per_rcpt["Remote-MTA"], "dns; mx.remote.net");
    EXPECT_EQ(per_rcpt["Diagnostic-Code"], "smtp; 550 5.1.1 <bob@remote.net>: user unknown");
    EXPECT_EQ(per_rcpt["Last-Attempt-Date"], "Tue, 01 Jul 2025 12:01:00 +0000");

    // RET absent and a small message: the whole original comes back.
    auto& orig = root.children[2];
    EXPECT_EQ(orig.type + "/" + orig.subtype, "message/rfc822");
    ASSERT_TRUE(orig.is_message());
    EXPECT_EQ(std::string(orig.body_bytes(m)), kOriginal);
    EXPECT_EQ(header(*orig.message, "Subject"), "hello");
}

TEST(Dsn, NoEnvidNoOrcptNoOptionalFields) {
    auto env = envelope();
    DsnRecipient r{"carol@remote.net", "", "failed", "", "", "", 0};
    DsnInput in{env, {r}, "mail.example.org", 0, 1751374800, kOriginal};
    auto m = make_dsn(in);
    auto msg = mime::parse_message(m);
    ASSERT_EQ(msg.root.children.size(), 3u);
    auto groups = status_groups(msg.root.children[1].body_bytes(m));
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_FALSE(groups[0].count("Original-Envelope-Id"));
    EXPECT_FALSE(groups[0].count("Arrival-Date"));
    EXPECT_FALSE(groups[1].count("Original-Recipient"));
    EXPECT_FALSE(groups[1].count("Remote-MTA"));
    EXPECT_FALSE(groups[1].count("Diagnostic-Code"));
    EXPECT_FALSE(groups[1].count("Last-Attempt-Date"));
    EXPECT_EQ(groups[1]["Status"], "5.0.0");  // default by action
}

TEST(Dsn, ReturnOfTheOriginal) {
    auto env = envelope();
    auto kind_of = [&](const std::string& ret, std::string_view original, int64_t limit) {
        env.dsn_ret = ret;
        DsnInput in{env, {failed_bob()}, "h.example", 1, 2, original, limit};
        auto m = make_dsn(in);
        auto msg = mime::parse_message(m);
        auto& p = msg.root.children.at(2);
        return p.type + "/" + p.subtype + " " + std::string(p.body_bytes(m));
    };
    const std::string headers_only =
        "From: alice@example.org\r\nTo: bob@remote.net\r\nSubject: hello\r\n"
        "Message-ID: <m1@example.org>\r\n";
    EXPECT_EQ(kind_of("", kOriginal, 50000), "message/rfc822 " + kOriginal);
    EXPECT_EQ(kind_of("", kOriginal, 10), "text/rfc822-headers " + headers_only);
    EXPECT_EQ(kind_of("FULL", kOriginal, 10), "message/rfc822 " + kOriginal);
    EXPECT_EQ(kind_of("HDRS", kOriginal, 50000), "text/rfc822-headers " + headers_only);
    // Bare LFs in the original become CRLF.
    EXPECT_EQ(kind_of("FULL", "Subject: x\n\nbody\n", 0),
              "message/rfc822 Subject: x\r\n\r\nbody\r\n");
}

TEST(Dsn, DelayAndSuccessReports) {
    auto env = envelope();
    env.dsn_ret = "FULL";  // RET applies to failures; other reports return the header
    DsnRecipient d{"bob@remote.net", "", "delayed", "4.4.1", "", "smtp; connection refused", 0};
    DsnInput in{env, {d}, "h.example", 1, 2, kOriginal};
    auto m = make_dsn(in);
    auto msg = mime::parse_message(m);
    EXPECT_EQ(header(msg.root, "Subject"), "Delayed Mail (still being retried)");
    ASSERT_EQ(msg.root.children.size(), 3u);
    EXPECT_EQ(msg.root.children[2].subtype, "rfc822-headers");
    auto g = status_groups(msg.root.children[1].body_bytes(m));
    EXPECT_EQ(g.at(1)["Action"], "delayed");
    EXPECT_EQ(g.at(1)["Status"], "4.4.1");

    DsnRecipient ok{"bob@remote.net", "", "relayed", "", "mx.remote.net", "", 3};
    DsnRecipient ok2{"carol@remote.net", "", "delivered", "2.0.0", "", "", 3};
    DsnInput in2{env, {ok, ok2}, "h.example", 1, 2, kOriginal};
    m = make_dsn(in2);
    msg = mime::parse_message(m);
    EXPECT_EQ(header(msg.root, "Subject"), "Successful Mail Delivery Report");
    g = status_groups(msg.root.children.at(1).body_bytes(m));
    ASSERT_EQ(g.size(), 3u);
    EXPECT_EQ(g[1]["Action"], "relayed");
    EXPECT_EQ(g[1]["Status"], "2.0.0");
    EXPECT_EQ(g[2]["Final-Recipient"], "rfc822; carol@remote.net");
    EXPECT_EQ(g[2]["Action"], "delivered");

    // A failure among others makes it a failure report.
    DsnRecipient f = failed_bob();
    f.address = "dave@remote.net";
    DsnInput in3{env, {d, f}, "h.example", 1, 2, kOriginal};
    msg = mime::parse_message(m = make_dsn(in3));
    EXPECT_EQ(header(msg.root, "Subject"), "Undelivered Mail Returned to Sender");
}

TEST(Dsn, HostileFieldsStayOnOneLine) {
    auto env = envelope();
    DsnRecipient r = failed_bob();
    r.diagnostic = "smtp; 550 first line\r\nX-Injected: yes\r\n" + std::string(5000, 'x');
    r.remote_mta = "evil\r\nX-Evil: 1";
    DsnInput in{env, {r}, "h.example", 1, 2, kOriginal};
    auto m = make_dsn(in);
    expect_crlf_only(m);
    auto msg = mime::parse_message(m);
    auto body = std::string(msg.root.children.at(1).body_bytes(m));
    EXPECT_EQ(body.find("\r\nX-Injected"), std::string::npos);
    EXPECT_EQ(body.find("\r\nX-Evil"), std::string::npos);
    size_t pos = 0, longest = 0;
    for (size_t nl; (nl = m.find("\r\n", pos)) != std::string::npos; pos = nl + 2)
        longest = std::max(longest, nl - pos);
    EXPECT_LT(longest, 998u);  // RFC 5322 §2.1.1
}

TEST(Dsn, BoundaryNeverInsideTheParts) {
    auto env = envelope();
    DsnInput probe{env, {failed_bob()}, "h.example", 1, 2, kOriginal};
    auto first = mime::parse_message(make_dsn(probe));
    auto b = first.root.param("boundary");
    ASSERT_FALSE(b.empty());
    // An original that contains exactly that boundary forces another one.
    std::string original = "Subject: x\r\n\r\n--" + b + "\r\n--" + b + "--\r\n";
    DsnInput in{env, {failed_bob()}, "h.example", 1, 2, original};
    auto m = make_dsn(in);
    auto msg = mime::parse_message(m);
    auto b2 = msg.root.param("boundary");
    EXPECT_NE(b2, b);
    EXPECT_EQ(original.find(b2), std::string::npos);
    ASSERT_EQ(msg.root.children.size(), 3u);
    EXPECT_EQ(std::string(msg.root.children[2].body_bytes(m)), original);
}

TEST(Dsn, EightBitOriginalIsLabelled) {
    auto env = envelope();
    std::string original = "Subject: caf\xc3\xa9\r\n\r\nna\xc3\xafve\r\n";
    DsnInput in{env, {failed_bob()}, "h.example", 1, 2, original};
    auto m = make_dsn(in);
    auto msg = mime::parse_message(m);
    EXPECT_EQ(header(msg.root, "Content-Transfer-Encoding"), "8bit");
    EXPECT_EQ(header(msg.root.children.at(2), "Content-Transfer-Encoding"), "8bit");
}

}  // namespace
}  // namespace magpie::queue
