// Quarantine notification: the postmaster it goes to, its content, and queueing it beside
// the quarantined message.
#include "queue/quarantine_notice.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "mime/header.h"

namespace magpie::queue {
namespace {

store::Snapshot directory(std::initializer_list<const char*> domains) {
    store::Snapshot s;
    for (const char* d : domains) s.domains[d].name = d;
    return s;
}

TEST(QuarantineNotice, PostmasterOfThePrimaryDomain) {
    EXPECT_EQ(notice_postmaster(directory({"b.example", "example.org"}), "mail.Example.ORG"),
              "postmaster@example.org");
    EXPECT_EQ(notice_postmaster(directory({"mail.example.org"}), "mail.example.org"),
              "postmaster@mail.example.org");
    EXPECT_EQ(notice_postmaster(directory({"z.example", "b.example"}), "mx.other.net"),
              "postmaster@b.example");
    auto relay_only = directory({"relay.example"});
    relay_only.domains["relay.example"].relay_host = "10.0.0.1";
    EXPECT_EQ(notice_postmaster(relay_only, "mx.other.net"), "postmaster@mx.other.net");
}

TEST(QuarantineNotice, Content) {
    Envelope env;
    env.id = "7K3ZQ2M1A4BC9D";
    env.sender = "spammer@remote.example";
    env.recipients = {{"alice@example.org", "", ""}, {"bob@example.org", "", ""}};
    QuarantineReport r{17.5, {"MISSING_MID (2.50)", "PHISHING (4.00)"}, "quarantine"};
    std::string msg = make_quarantine_notice(
        {env, "Caf\xC3\xA9\r\nBcc: x", r, "mx.example.org", "postmaster@example.org", 1751371200});
    auto block = mime::parse_header(msg, 0, 100);
    ASSERT_TRUE(block.has_blank_line);
    auto field = [&](const char* name) {
        auto* f = mime::find_field(block.fields, name);
        return f ? mime::unfold_trim(f->raw_value) : std::string("(absent)");
    };
    EXPECT_EQ(field("to"), "<postmaster@example.org>");
    EXPECT_EQ(field("subject"), "Spam quarantined: 7K3ZQ2M1A4BC9D");
    EXPECT_EQ(field("auto-submitted"), "auto-generated");
    EXPECT_EQ(field("date"), "Tue, 01 Jul 2025 12:00:00 +0000");
    EXPECT_EQ(field("content-transfer-encoding"), "8bit");
    EXPECT_EQ(field("bcc"), "(absent)");  // the subject's line break is neutralised
    std::string body = msg.substr(block.end);
    EXPECT_NE(body.find("mailbox \"quarantine\""), std::string::npos);
    EXPECT_NE(body.find("Queue ID:   7K3ZQ2M1A4BC9D\r\n"), std::string::npos);
    EXPECT_NE(body.find("Sender:     <spammer@remote.example>\r\n"), std::string::npos);
    EXPECT_NE(body.find("Recipients: <alice@example.org>\r\n            <bob@example.org>\r\n"),
              std::string::npos);
    EXPECT_NE(body.find("Subject:    Caf\xC3\xA9  Bcc: x\r\n"), std::string::npos);
    EXPECT_NE(body.find("Score:      17.50\r\n"), std::string::npos);
    EXPECT_NE(body.find("Rules:      MISSING_MID (2.50)\r\n            PHISHING (4.00)\r\n"),
              std::string::npos);
    for (size_t pos = 0; pos < msg.size();) {  // CRLF only
        size_t lf = msg.find('\n', pos);
        if (lf == std::string::npos) break;
        EXPECT_EQ(msg[lf - 1], '\r');
        pos = lf + 1;
    }
}

TEST(QuarantineNotice, LongSubjectAndManyRecipientsAreCut) {
    Envelope env;
    env.id = "ID";
    for (int i = 0; i < 60; ++i)
        env.recipients.push_back({"r" + std::to_string(i) + "@x.org", "", ""});
    QuarantineReport r{20, {}, "q"};
    std::string subject(150, 'a');
    for (int i = 0; i < 100; ++i) subject += "\xC3\xA9";
    std::string msg = make_quarantine_notice({env, subject, r, "h", "postmaster@h", 0});
    EXPECT_NE(msg.find("... and 10 more\r\n"), std::string::npos);
    EXPECT_EQ(msg.find("r50@x.org"), std::string::npos);
    size_t s = msg.find("Subject:    ");
    std::string line = msg.substr(s, msg.find("\r\n", s) - s);
    EXPECT_EQ(line.size(), 12 + 200 + 3);  // 150 + 25 whole characters, then "..."
    EXPECT_NE(msg.find("Rules:      (none)"), std::string::npos);
}

TEST(QuarantineNotice, QueuedForThePostmaster) {
    char tmpl[] = "/tmp/magpie-notice-test-XXXXXX";
    std::string dir = ::mkdtemp(tmpl);
    auto snap = directory({"example.org"});
    snap.users["admin"].name = "admin";
    snap.addresses["postmaster@example.org"] = {"postmaster@example.org", {"admin"}, false};
    Envelope env;
    env.sender = "s@remote.example";
    env.recipients = {{"alice@example.org", "", ""}};
    std::string msg = "Subject: =?UTF-8?Q?Gro=C3=9Fe_Angebote?=\r\n\r\nbuy\r\n";
    Writer w(dir, new_queue_id());
    w.append(msg);
    env.id = w.id();
    env.size = w.size();
    w.commit(env);

    QuarantineReport r{16, {"SUBJ_ALL_CAPS (3.00)"}, "quarantine"};
    std::string id = queue_quarantine_notice(dir, "mx.example.org", env.id, r, snap);
    ASSERT_FALSE(id.empty());
    auto e = read_entry(active_path(dir, id));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->env.sender, "");
    ASSERT_EQ(e->env.targets.size(), 1u);
    EXPECT_EQ(e->env.targets[0].name, "admin");
    EXPECT_EQ(e->env.body, "8BITMIME");
    // Nobody behind the postmaster address: nothing is queued.
    snap.addresses.clear();
    EXPECT_EQ(queue_quarantine_notice(dir, "mx.example.org", env.id, r, snap), "");
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace magpie::queue
