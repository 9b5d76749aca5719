// Quotas: the effective limit (quota_of), the usage cache (walk, counted changes, changes
// by other programs seen after a walk), the RCPT-time check in the SMTP session, and the
// delivery agent bouncing a target over quota with 5.2.2 and a DSN to the sender.
#include "store/quota.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "admin/service.h"
#include "core/fs.h"
#include "delivery/agent.h"
#include "mailbox/folder.h"
#include "mailbox/registry.h"
#include "mailbox/store.h"
#include "mailbox/usage.h"
#include "queue/queue_file.h"
#include "smtp/proto/session.h"
#include "store/db.h"
#include "store/schema.h"
#include "temp_dir.h"

namespace magpie {
namespace {

namespace sfs = std::filesystem;
using namespace std::chrono_literals;

using magpie::test_util::TempDir;

// A file another program (Dovecot, a shell) put into a Maildir directory.
void put_file(const std::string& dir, const std::string& name, size_t size) {
    fs::make_dirs(dir, 0700);
    fs::write_file_atomic(dir + "/" + name, std::string(size, 'x'));
}

TEST(Quota, QuotaOf) {
    store::Snapshot s;
    s.users["a"].name = "a";
    s.users["b"].name = "b";
    s.users["b"].quota = 5000;
    s.users["c"].name = "c";
    s.users["c"].quota = 0;
    EXPECT_EQ(store::quota_of(s, "a"), 0u);
    s.settings.quota_default = 1000;
    EXPECT_EQ(store::quota_of(s, "a"), 1000u);  // the default
    EXPECT_EQ(store::quota_of(s, "b"), 5000u);  // own quota wins
    EXPECT_EQ(store::quota_of(s, "c"), 0u);     // unlimited overrides the default
    EXPECT_EQ(store::quota_of(s, "nobody"), 0u);
}

TEST(Quota, MigrationAndServiceRoundTrip) {
    TempDir t;
    std::string path = t.path + "/magpie.db";
    {
        store::Db db(path);
        store::ensure_schema(db);
        // Back to a version 2 file with a user, as an older Magpie left it.
        db.exec(
            "ALTER TABLE users DROP COLUMN quota; ALTER TABLE users DROP COLUMN "
            "spam_retention_days;"
            "PRAGMA user_version = 2;"
            "INSERT INTO users (name) VALUES ('old');");
    }
    admin::Service svc(path);
    auto old = svc.get_user("old");
    ASSERT_TRUE(old.ok()) << old.message;
    EXPECT_FALSE(old.value.quota);
    EXPECT_TRUE(svc.add_user("new", std::nullopt, {.quota = std::optional<int64_t>{2048}}).ok());
    EXPECT_EQ(svc.get_user("new").value.quota, 2048);
    EXPECT_TRUE(svc.set_user("old", {.quota = std::optional<int64_t>{0}}).ok());
    EXPECT_FALSE(svc.set_user("old", {.quota = std::optional<int64_t>{-1}}).ok());
    store::Db db(path);
    auto snap = store::load_snapshot(db);
    EXPECT_EQ(snap->users.at("old").quota, 0);
    EXPECT_EQ(snap->users.at("new").quota, 2048);
    EXPECT_TRUE(svc.set_user("new", {.quota = std::optional<std::optional<int64_t>>(std::in_place,
                                                                                    std::nullopt)})
                    .ok());
    EXPECT_FALSE(store::load_snapshot(db)->users.at("new").quota);
    EXPECT_EQ(db.query_int("PRAGMA user_version"), store::kSchemaVersion);
}

TEST(Quota, Fits) {
    EXPECT_TRUE(store::quota_fits(0, 1u << 30, 1u << 30));
    EXPECT_TRUE(store::quota_fits(100, 60, 40));
    EXPECT_FALSE(store::quota_fits(100, 60, 41));
    EXPECT_FALSE(store::quota_fits(100, 120, 0));
    EXPECT_FALSE(store::quota_fits(100, 0, UINT64_MAX));
}

TEST(Quota, WalkCountsEveryFolder) {
    TempDir t;
    put_file(t.path + "/cur", "1.M1.h,S=100:2,S", 7);  // the name's size counts
    put_file(t.path + "/new", "2.M2.h", 30);           // no S=: stat
    put_file(t.path + "/.Sent/cur", "3.M3.h,S=50:2,", 1);
    put_file(t.path + "/.Sent/tmp", "4.M4.h,S=999", 1);  // tmp/ does not count
    auto u = mailbox::walk_usage(t.path);
    EXPECT_EQ(u.bytes, 180u);
    EXPECT_EQ(u.messages, 3u);
}

TEST(Quota, CacheCountsChangesAndRewalksWhenDue) {
    TempDir t;
    put_file(t.path + "/cur", "1.M1.h,S=100:2,", 1);
    mailbox::UsageCache c(t.path, 1h);
    bool due = false;
    EXPECT_FALSE(c.peek(&due));
    EXPECT_TRUE(due);
    c.peek(&due);
    EXPECT_FALSE(due);  // announced once
    EXPECT_EQ(c.get().bytes, 100u);
    EXPECT_EQ(c.peek(&due)->bytes, 100u);
    EXPECT_FALSE(due);

    put_file(t.path + "/cur", "2.M2.h,S=40:2,", 1);
    c.add(40, 1);
    EXPECT_EQ(c.get().bytes, 140u);
    EXPECT_EQ(c.get().messages, 2u);
    c.add(-500, -5);  // never below zero
    EXPECT_EQ(c.get().bytes, 0u);

    // Not a walk until due: a change by another program is seen after invalidate().
    put_file(t.path + "/new", "3.M3.h,S=7", 1);
    EXPECT_EQ(c.get().bytes, 0u);
    c.invalidate();
    EXPECT_EQ(c.get().bytes, 147u);
    EXPECT_EQ(c.get().messages, 3u);
}

TEST(Quota, CacheRewalksAfterMaxAge) {
    TempDir t;
    mailbox::UsageCache c(t.path, 20ms);
    EXPECT_EQ(c.get().bytes, 0u);
    put_file(t.path + "/cur", "1.M1.h,S=10:2,", 1);
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(c.get().bytes, 10u);
}

TEST(Quota, StoreFoldersCountAppendCopyExpungeAndDelete) {
    TempDir t;
    mailbox::Registry reg(t.path, "host");
    auto store = reg.store("ann");
    auto usage = reg.usage("ann");
    EXPECT_EQ(store->quota_usage().bytes, 0u);
    auto inbox = store->folder("INBOX");
    uint32_t a = inbox->append({"Subject: a\r\n\r\nA\r\n", 0, {}, 0});  // 17 bytes
    inbox->append({"Subject: bb\r\n\r\nB\r\n", 0, {}, 0});              // 18 bytes
    EXPECT_EQ(usage->peek()->bytes, 35u);
    auto sent = store->folder("Sent");
    mailbox::copy_messages(*inbox, *sent, {a});
    EXPECT_EQ(usage->peek()->bytes, 52u);
    EXPECT_EQ(usage->peek()->messages, 3u);
    mailbox::copy_messages(*inbox, *sent, {a + 1}, true);  // a move changes nothing
    EXPECT_EQ(usage->peek()->bytes, 52u);
    inbox->expunge_uids({a});
    EXPECT_EQ(usage->peek()->bytes, 35u);
    EXPECT_EQ(mailbox::walk_usage(reg.user_root("ann")).bytes, 35u);
    EXPECT_EQ(store->remove("Sent"), mailbox::StoreError::None);
    EXPECT_EQ(store->quota_usage().bytes, 0u);
}

TEST(Quota, ConcurrentAppendsAreAllCounted) {
    TempDir t;
    mailbox::Registry reg(t.path, "host");
    auto store = reg.store("ann");
    EXPECT_EQ(store->quota_usage().bytes, 0u);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            auto f = store->folder("INBOX");
            for (int k = 0; k < 25; ++k) {
                f->append({"Subject: x\r\n\r\nX\r\n", 0, {}, 0});
                store->quota_usage();
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(store->quota_usage().bytes, 100u * 17);
    EXPECT_EQ(store->quota_usage().messages, 100u);
}

std::shared_ptr<store::Snapshot> quota_snapshot() {
    auto s = std::make_shared<store::Snapshot>();
    s->domains["example.org"] = store::Domain{"example.org"};
    for (const char* u : {"full", "roomy", "free"}) s->users[u].name = u;
    s->users["full"].quota = 1000;
    s->users["roomy"].quota = 100000;
    s->users["free"].quota = 0;
    s->settings.quota_default = 1000;
    s->groups["team"] = store::Group{"team", {"full", "roomy"}};
    s->addresses["team@example.org"] = store::Address{"team@example.org", {"team"}, false};
    s->addresses["solo@example.org"] = store::Address{"solo@example.org", {"full"}, false};
    return s;
}

TEST(Quota, SmtpRcptOverQuota) {
    smtp::Session s(smtp::SessionInfo{smtp::Listener::Smtp, "mx.example.org",
                                      *IpAddr::parse("192.0.2.1"), true, false},
                    quota_snapshot());
    s.set_usage_peek([](const std::string& user) -> std::optional<uint64_t> {
        return user == "full" ? 1000 : 10;
    });
    s.greeting();
    s.on_line("EHLO c");
    s.take_output();
    s.on_line("MAIL FROM:<a@remote.example>");
    s.take_output();
    s.on_line("RCPT TO:<full@example.org>");
    EXPECT_EQ(s.take_output(),
              "552 5.2.2 <full@example.org>: Recipient address rejected: Mailbox full\r\n");
    s.on_line("RCPT TO:<solo@example.org>");  // an address reaching only that mailbox
    EXPECT_EQ(s.take_output().substr(0, 10), "552 5.2.2 ");
    s.on_line("RCPT TO:<team@example.org>");  // one member has room: delivery decides
    EXPECT_EQ(s.take_output(), "250 2.1.5 Ok\r\n");
    s.on_line("RCPT TO:<roomy@example.org>");
    EXPECT_EQ(s.take_output(), "250 2.1.5 Ok\r\n");
    s.on_line("RCPT TO:<free@example.org>");
    EXPECT_EQ(s.take_output(), "250 2.1.5 Ok\r\n");

    // A declared SIZE that does not fit is refused too.
    s.on_line("RSET");
    s.on_line("MAIL FROM:<a@remote.example> SIZE=995");
    s.take_output();
    s.on_line("RCPT TO:<roomy@example.org>");
    EXPECT_EQ(s.take_output(), "250 2.1.5 Ok\r\n");
    s.set_usage_peek([](const std::string&) -> std::optional<uint64_t> { return 10; });
    s.on_line("RCPT TO:<full@example.org>");
    EXPECT_EQ(s.take_output().substr(0, 10), "552 5.2.2 ");
    s.set_usage_peek([](const std::string&) -> std::optional<uint64_t> { return std::nullopt; });
    s.on_line("RCPT TO:<full@example.org>");  // usage unknown yet: accepted
    EXPECT_EQ(s.take_output(), "250 2.1.5 Ok\r\n");
}

TEST(Quota, DeliveryBouncesTargetOverQuota) {
    TempDir dir;
    Config cfg;
    cfg.hostname = "mx.example.org";
    cfg.data_dir = dir.path;
    auto snap = quota_snapshot();
    mailbox::Registry reg(cfg.mail_dir(), cfg.hostname);
    delivery::Agent agent(
        cfg, [snap] { return std::shared_ptr<const store::Snapshot>(snap); }, 1);
    agent.set_quota_hooks(
        {[&](const std::string& u) { return reg.usage(u)->get().bytes; },
         [&](const std::string& u, uint64_t b) { reg.usage(u)->add(static_cast<int64_t>(b), 1); }});
    agent.start();
    auto send = [&](size_t body_size) {
        queue::Envelope env;
        env.arrival = time(nullptr);
        env.sender = "s@remote.example";
        env.recipients = {{"team@example.org", "", ""}};
        env.targets = {{store::Target::Kind::Mailbox, "full", 0},
                       {store::Target::Kind::Mailbox, "roomy", 0}};
        queue::Writer w(cfg.queue_dir(), queue::new_queue_id());
        w.append("Subject: q\r\n\r\n" + std::string(body_size, 'x') + "\r\n");
        w.commit(env);
        agent.submit(w.id());
        agent.drain();
    };
    auto count = [&](const std::string& user) {
        return mailbox::walk_usage(cfg.mail_dir() + "/" + user).messages;
    };
    send(400);  // ~480 bytes each
    EXPECT_EQ(count("full"), 1u);
    send(400);
    EXPECT_EQ(count("full"), 2u);
    send(400);  // would pass 1000 bytes: bounced for "full" only
    EXPECT_EQ(count("full"), 2u);
    EXPECT_EQ(count("roomy"), 3u);
    // What stays queued is the DSN to the (remote) sender, about "full" only.
    auto ids = queue::list_active(cfg.queue_dir());
    ASSERT_EQ(ids.size(), 1u);
    auto dsn = queue::read_entry(queue::active_path(cfg.queue_dir(), ids[0]));
    ASSERT_TRUE(dsn);
    EXPECT_EQ(dsn->env.sender, "");
    ASSERT_EQ(dsn->env.recipients.size(), 1u);
    EXPECT_EQ(dsn->env.recipients[0].address, "s@remote.example");
    std::string text = fs::read_file(dsn->path).substr(dsn->body_offset, dsn->env.size);
    EXPECT_NE(text.find("Status: 5.2.2"), std::string::npos) << text;
    EXPECT_NE(text.find("Diagnostic-Code: x-magpie; mailbox full"), std::string::npos);
    EXPECT_EQ(reg.usage("full")->get().bytes, mailbox::walk_usage(cfg.mail_dir() + "/full").bytes);
    agent.stop();
}

}  // namespace
}  // namespace magpie
