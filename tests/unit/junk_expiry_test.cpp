// Junk retention: the effective retention of a user, the store migration and service
// round trip, and expiry through the mailbox layer — only Junk, only old messages, the
// uidlist/index and an open view of the folder kept consistent, no Maildir created.
#include "server/junk_expiry.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <ctime>
#include <filesystem>

#include "admin/service.h"
#include "core/fs.h"
#include "mailbox/expiry.h"
#include "mailbox/registry.h"
#include "store/db.h"
#include "store/retention.h"
#include "store/schema.h"
#include "temp_dir.h"

namespace magpie {
namespace {

namespace sfs = std::filesystem;

using magpie::test_util::TempDir;

constexpr int64_t kDay = 86400;

TEST(JunkRetention, UserValueWinsOverTheSetting) {
    store::Settings s;
    store::User u;
    EXPECT_EQ(store::retention_days_of(s, u), 15);  // NethServer's default
    s.spam_retention_days = 30;
    EXPECT_EQ(store::retention_days_of(s, u), 30);
    u.spam_retention_days = 0;  // forever, even with a setting
    EXPECT_EQ(store::retention_days_of(s, u), 0);
    u.spam_retention_days = 1000000;
    EXPECT_EQ(store::retention_days_of(s, u), store::kMaxRetentionDays);
}

TEST(JunkRetention, MigrationAndServiceRoundTrip) {
    TempDir t;
    std::string path = t.path + "/magpie.db";
    {
        store::Db db(path);
        store::ensure_schema(db);
        // Back to a version 3 file with a user, as an older Magpie left it.
        db.exec(
            "ALTER TABLE users DROP COLUMN spam_retention_days; PRAGMA user_version = 3;"
            "INSERT INTO users (name, quota) VALUES ('old', 4096);");
    }
    admin::Service svc(path);
    auto old = svc.get_user("old");
    ASSERT_TRUE(old.ok()) << old.message;
    EXPECT_FALSE(old.value.spam_retention_days);
    EXPECT_EQ(old.value.quota, 4096);
    EXPECT_TRUE(svc.set_user("old", {.spam_retention_days = std::optional<int64_t>{7}}).ok());
    EXPECT_FALSE(svc.set_user("old", {.spam_retention_days = std::optional<int64_t>{-1}}).ok());
    EXPECT_FALSE(svc.set_user("old", {.spam_retention_days = std::optional<int64_t>{99999}}).ok());
    store::Db db(path);
    EXPECT_EQ(store::load_snapshot(db)->users.at("old").spam_retention_days, 7);
    EXPECT_TRUE(svc.set_user("old", {.spam_retention_days = std::optional<std::optional<int64_t>>(
                                         std::in_place, std::nullopt)})
                    .ok());
    EXPECT_FALSE(store::load_snapshot(db)->users.at("old").spam_retention_days);
    EXPECT_EQ(db.query_int("PRAGMA user_version"), store::kSchemaVersion);
    // `magpie spam expire` leaves the trigger the server polls for.
    ASSERT_TRUE(svc.spam_expire().ok());
    EXPECT_TRUE(sfs::exists(t.path + "/filter/expire-junk"));
}

TEST(JunkExpiry, OlderThanCutoff) {
    mailbox::Snapshot snap;
    for (uint32_t uid = 1; uid <= 4; ++uid) {
        mailbox::MessageInfo m;
        m.uid = uid;
        m.internal_date = 1000 * uid;
        snap.messages.push_back(m);
    }
    EXPECT_EQ(mailbox::uids_older_than(snap, 2500), (std::vector<uint32_t>{1, 2}));
    EXPECT_TRUE(mailbox::uids_older_than(snap, 1000).empty());
}

struct ExpiryTest : ::testing::Test {
    TempDir t;
    std::string mail = t.path + "/mail";
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    mailbox::Registry registry{mail, "mx.example.org"};

    uint32_t append(const std::string& user, const std::string& folder, int64_t age_days) {
        auto store = registry.store(user);
        if (!store->exists(folder)) store->create(folder);
        auto body = "Subject: " + std::to_string(age_days) + " days\r\n\r\nx\r\n";
        return store->folder(folder)->append({body, 0, {}, now - age_days * kDay});
    }
    size_t count(const std::string& user, const std::string& folder) {
        return registry.store(user)->folder(folder)->messages().size();
    }
};

TEST_F(ExpiryTest, OnlyOldJunkGoesAndEverythingStaysConsistent) {
    append("alice", "Junk", 20);
    uint32_t keep = append("alice", "Junk", 3);
    append("alice", "INBOX", 40);
    append("alice", "Archive", 40);
    // A file dropped into .Junk/cur by another program, with an old time in name and mtime.
    std::string planted =
        mail + "/alice/.Junk/cur/" + std::to_string(now - 30 * kDay) + ".M1P1.other,S=20:2,S";
    fs::write_file_atomic(planted, "Subject: old\r\n\r\nx\r\n");
    struct utimbuf old_time {
        now - 30 * kDay, now - 30 * kDay
    };
    ASSERT_EQ(::utime(planted.c_str(), &old_time), 0);
    auto junk = registry.store("alice")->folder("Junk");
    auto before = junk->snapshot();  // what an open session holds

    bool woken = false;
    auto h = registry.watch(junk->dir(), [&] { woken = true; });
    std::vector<std::string> failed;
    auto counts = mailbox::expire_junk(registry, {{"alice", 15}}, now, &failed);
    registry.unwatch(h);
    EXPECT_TRUE(failed.empty());
    ASSERT_EQ(counts.size(), 1u);
    EXPECT_EQ(counts[0].user, "alice");
    EXPECT_EQ(counts[0].expunged, 2u);
    EXPECT_TRUE(woken);
    auto left = junk->messages();
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].uid, keep);
    EXPECT_FALSE(sfs::exists(planted));
    EXPECT_EQ(count("alice", "INBOX"), 1u);
    EXPECT_EQ(count("alice", "Archive"), 1u);
    // The session's view learns which UIDs went (IMAP EXPUNGE / VANISHED).
    bool complete = false;
    auto gone = junk->vanished_since(before->highest_modseq, &complete);
    EXPECT_TRUE(complete);
    EXPECT_EQ(gone.size(), 2u);
    // A second run finds nothing more; a fresh Folder over the same files agrees.
    EXPECT_EQ(mailbox::expire_junk(registry, {{"alice", 15}}, now)[0].expunged, 0u);
    mailbox::Folder fresh(mail + "/alice/.Junk", "mx.example.org");
    EXPECT_EQ(fresh.messages().size(), 1u);
}

TEST_F(ExpiryTest, ForeverAndMissingFoldersAreLeftAlone) {
    append("bob", "Junk", 100);
    auto counts = mailbox::expire_junk(registry, {{"bob", 0}, {"carol", 15}, {"../x", 1}}, now);
    EXPECT_TRUE(counts.empty());
    EXPECT_EQ(count("bob", "Junk"), 1u);
    EXPECT_FALSE(sfs::exists(mail + "/carol"));  // no Maildir made for a user without one
}

TEST_F(ExpiryTest, ServerPassUsesEachUsersRetention) {
    append("alice", "Junk", 20);
    append("bob", "Junk", 20);
    append("carol", "Junk", 20);
    store::Snapshot snap;
    snap.settings.spam_retention_days = 15;
    for (const char* u : {"alice", "bob", "carol"}) snap.users[u].name = u;
    snap.users["bob"].spam_retention_days = 30;
    snap.users["carol"].spam_retention_days = 0;
    EXPECT_EQ(server::expire_junk_now(snap, registry, now, "test"), 1u);
    EXPECT_EQ(count("alice", "Junk"), 0u);
    EXPECT_EQ(count("bob", "Junk"), 1u);
    EXPECT_EQ(count("carol", "Junk"), 1u);
}

}  // namespace
}  // namespace magpie
