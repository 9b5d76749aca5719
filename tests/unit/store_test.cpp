// The settings DB: schema versioning, the SQLite wrapper, snapshot loading and the
// SnapshotCache noticing changes written through another connection.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "admin/service.h"
#include "store/db.h"
#include "store/directory.h"
#include "store/schema.h"

namespace magpie::store {
namespace {

class StoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/magpie-store-XXXXXX";
        dir_ = mkdtemp(tmpl);
        path_ = dir_ + "/magpie.db";
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string dir_, path_;
};

TEST_F(StoreTest, SchemaVersionAndIdempotence) {
    Db db(path_);
    ensure_schema(db);
    ensure_schema(db);
    EXPECT_EQ(db.query_int("PRAGMA user_version"), kSchemaVersion);
    EXPECT_EQ(read_generation(db), 0u);
    EXPECT_EQ(db.query_int("PRAGMA foreign_keys"), 1);
}

TEST_F(StoreTest, RefusesNewerSchema) {
    {
        Db db(path_);
        db.exec("PRAGMA user_version = 999");
    }
    Db db(path_);
    EXPECT_THROW(ensure_schema(db), DbError);
}

TEST_F(StoreTest, StatementsAndTransactions) {
    Db db(path_);
    db.exec("CREATE TABLE t (a INTEGER, b TEXT)");
    {
        Transaction tx(db);
        db.prepare("INSERT INTO t VALUES (?, ?)").bind_all(int64_t{1}, "one").run();
    }  // rolled back
    EXPECT_EQ(db.query_int("SELECT count(*) FROM t"), 0);
    {
        Transaction tx(db);
        auto ins = db.prepare("INSERT INTO t VALUES (?, ?)");
        ins.bind_all(int64_t{1}, "one").run();
        ins.bind(1, int64_t{2}).bind_null(2).run();
        tx.commit();
    }
    auto st = db.prepare("SELECT a, b FROM t ORDER BY a");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.int64(0), 1);
    EXPECT_EQ(st.text(1), "one");
    ASSERT_TRUE(st.step());
    EXPECT_TRUE(st.is_null(1));
    EXPECT_FALSE(st.step());
    EXPECT_THROW(db.prepare("SELECT nope FROM t"), DbError);
}

TEST_F(StoreTest, CacheSeesChangesFromAnotherConnection) {
    SnapshotCache cache(path_);
    auto first = cache.get();
    EXPECT_TRUE(first->domains.empty());
    EXPECT_FALSE(cache.refresh());

    admin::Service svc(path_);  // its own connection, like the CLI in another process
    ASSERT_TRUE(svc.add_domain("example.org").ok());
    ASSERT_TRUE(svc.add_user("alice", "pw").ok());
    ASSERT_TRUE(svc.set_setting("max_message_size", "1M").ok());

    EXPECT_TRUE(cache.refresh());
    auto snap = cache.get();
    EXPECT_EQ(snap->domains.count("example.org"), 1u);
    EXPECT_EQ(snap->users.at("alice").password_hash.substr(0, 3), "$y$");
    EXPECT_EQ(snap->settings.max_message_size, 1024 * 1024);
    EXPECT_EQ(snap->generation, svc.generation());
    EXPECT_FALSE(cache.refresh());
    // The old snapshot stays valid for whoever still holds it.
    EXPECT_TRUE(first->domains.empty());
}

TEST_F(StoreTest, CacheIgnoresWritesThatDoNotBumpTheGeneration) {
    SnapshotCache cache(path_);
    {
        Db db(path_);
        db.exec("CREATE TABLE scratch (x)");
    }
    EXPECT_FALSE(cache.refresh());
    cache.force_reload();
    EXPECT_EQ(cache.get()->generation, 0u);
}

TEST_F(StoreTest, SnapshotHoldsEverything) {
    admin::Service svc(path_);
    ASSERT_TRUE(svc.add_domain("example.org", {.group_addresses = true}).ok());
    ASSERT_TRUE(svc.add_user("alice").ok());
    ASSERT_TRUE(svc.add_user("bob").ok());
    ASSERT_TRUE(svc.add_group("sales", {"bob", "alice"}).ok());
    ASSERT_TRUE(svc.add_public("shared").ok());
    ASSERT_TRUE(svc.add_address("info@example.org", {"public:shared", "sales"}, true).ok());
    ASSERT_TRUE(svc.set_domain("example.org", {.catch_all = std::vector<std::string>{"alice"},
                                               .hidden_copy = "archive@remote.net"})
                    .ok());
    Db db(path_);
    auto s = load_snapshot(db);
    auto& d = s->domains.at("example.org");
    EXPECT_TRUE(d.user_addresses);
    EXPECT_TRUE(d.group_addresses);
    EXPECT_EQ(d.catch_all, std::vector<std::string>{"alice"});
    EXPECT_EQ(d.hidden_copy, "archive@remote.net");
    EXPECT_EQ(s->groups.at("sales").members, (std::vector<std::string>{"alice", "bob"}));
    EXPECT_EQ(s->public_mailboxes.count("shared"), 1u);
    auto& a = s->addresses.at("info@example.org");
    EXPECT_TRUE(a.internal);
    EXPECT_EQ(a.destinations, (std::vector<std::string>{"public:shared", "sales"}));
    EXPECT_EQ(s->users.at("alice").password_hash, "");
}

}  // namespace
}  // namespace magpie::store
