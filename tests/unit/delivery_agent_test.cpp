// Delivery agent tests, end to end on a temporary data folder with an in-memory directory:
// local, public, unknown, disabled and remote targets; crash recovery; retries.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "core/fs.h"
#include "delivery/agent.h"
#include "delivery/maildir.h"
#include "queue/queue_file.h"
#include "temp_dir.h"

namespace magpie::delivery {
namespace {

namespace sfs = std::filesystem;
using Kind = store::Target::Kind;

using magpie::test_util::TempDir;

size_t count_files(const std::string& dir) {
    if (!sfs::exists(dir)) return 0;
    size_t n = 0;
    for ([[maybe_unused]] const auto& de : sfs::directory_iterator(dir)) ++n;
    return n;
}

std::string only_file(const std::string& dir) {
    std::string found;
    for (const auto& de : sfs::directory_iterator(dir)) found = de.path();
    return found;
}

struct AgentTest : ::testing::Test {
    TempDir dir;
    Config cfg;
    std::shared_ptr<store::Snapshot> snap = std::make_shared<store::Snapshot>();
    SnapshotProvider provider = [this] { return std::shared_ptr<const store::Snapshot>(snap); };

    void SetUp() override {
        cfg.hostname = "mx.example.org";
        cfg.data_dir = dir.path;
        snap->users["alice"].name = "alice";
        snap->users["bob"].name = "bob";
        snap->users["bob"].disabled = true;
        snap->public_mailboxes["sales"] = store::PublicMailbox{"sales"};
    }

    std::string enqueue(std::vector<store::Target> targets,
                        std::string body = "Subject: t\r\n\r\nx\r\n") {
        queue::Envelope env;
        env.arrival = time(nullptr);
        env.sender = "sender@example.net";
        env.recipients = {{"alice@example.org", "", ""}, {"info@example.org", "", ""}};
        env.targets = std::move(targets);
        queue::Writer w(cfg.queue_dir(), queue::new_queue_id());
        w.append(body);
        w.commit(env);
        return w.id();
    }
    std::string inbox_new(const std::string& user) { return cfg.mail_dir() + "/" + user + "/new"; }
};

TEST_F(AgentTest, DeliversLocalTargetsAndKeepsRemoteOnes) {
    Agent agent(cfg, provider, 2);
    agent.start();
    std::string id = enqueue({{Kind::Mailbox, "alice", 0},
                              {Kind::Public, "sales", 1},
                              {Kind::Mailbox, "bob", 1},
                              {Kind::Mailbox, "ghost", -1},
                              {Kind::Remote, "carol@remote.example", 1}});
    agent.submit(id);
    agent.drain();

    ASSERT_EQ(count_files(inbox_new("alice")), 1u);
    std::string content = fs::read_file(only_file(inbox_new("alice")));
    EXPECT_EQ(content,
              "Return-Path: <sender@example.net>\r\nDelivered-To: alice@example.org\r\n"
              "Subject: t\r\n\r\nx\r\n");
    ASSERT_EQ(count_files(cfg.public_dir() + "/sales/new"), 1u);
    EXPECT_NE(fs::read_file(only_file(cfg.public_dir() + "/sales/new")).find("info@example.org"),
              std::string::npos);
    EXPECT_FALSE(sfs::exists(cfg.mail_dir() + "/bob"));
    EXPECT_FALSE(sfs::exists(cfg.mail_dir() + "/ghost"));

    // The remote target keeps the entry queued; the others are recorded as done.
    auto e = queue::read_entry(queue::active_path(cfg.queue_dir(), id));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->target_done, (std::vector<bool>{true, true, true, true, false}));

    // Submitting it again does not deliver anything twice.
    agent.submit(id);
    agent.drain();
    EXPECT_EQ(count_files(inbox_new("alice")), 1u);
    agent.stop();
}

TEST_F(AgentTest, LocalOnlyEntryIsRemoved) {
    Agent agent(cfg, provider, 1);
    agent.start();
    std::string id = enqueue({{Kind::Mailbox, "alice", 0}});
    agent.submit(id);
    agent.drain();
    EXPECT_EQ(count_files(inbox_new("alice")), 1u);
    EXPECT_TRUE(queue::list_active(cfg.queue_dir()).empty());
    EXPECT_EQ(count_files(queue::active_dir(cfg.queue_dir())), 0u);
}

TEST_F(AgentTest, ManyMessagesAllDeliveredOnce) {
    Agent agent(cfg, provider, 2);
    agent.start();
    std::vector<std::string> ids;
    for (int i = 0; i < 300; ++i) {
        ids.push_back(enqueue({{Kind::Mailbox, "alice", 0}, {Kind::Public, "sales", 1}}));
        agent.submit(ids.back());
    }
    agent.drain();
    EXPECT_EQ(count_files(inbox_new("alice")), 300u);
    EXPECT_EQ(count_files(cfg.public_dir() + "/sales/new"), 300u);
    EXPECT_TRUE(queue::list_active(cfg.queue_dir()).empty());
}

TEST_F(AgentTest, RecoveryAfterCrashDoesNotDuplicate) {
    std::string id = enqueue({{Kind::Mailbox, "alice", 0}, {Kind::Public, "sales", 1}});
    // Simulated crash: target 0 reached the Maildir (and was read by a client, now in cur/
    // with flags) but was never marked done.
    auto e = queue::read_entry(queue::active_path(cfg.queue_dir(), id));
    ASSERT_TRUE(e);
    int fd = ::open(e->path.c_str(), O_RDONLY);
    MaildirMessage m{id, 0, e->env.arrival, e->env.sender, "alice@example.org", fd, 0, e->env.size};
    MaildirWriter("mx.example.org").deliver(cfg.mail_dir() + "/alice", m, false);
    ::close(fd);
    std::string delivered = only_file(inbox_new("alice"));
    sfs::rename(delivered,
                cfg.mail_dir() + "/alice/cur/" + sfs::path(delivered).filename().string() + ":2,S");
    // A second entry never seen by an agent, and a crash mid-DATA.
    std::string id2 = enqueue({{Kind::Mailbox, "alice", 0}});
    queue::Writer partial(cfg.queue_dir(), queue::new_queue_id());
    partial.append("half a message");

    Agent agent(cfg, provider, 2);
    agent.start();
    agent.drain();
    EXPECT_EQ(count_files(cfg.mail_dir() + "/alice/cur"), 1u);
    EXPECT_EQ(count_files(inbox_new("alice")), 1u);  // only id2
    EXPECT_EQ(count_files(cfg.public_dir() + "/sales/new"), 1u);
    EXPECT_TRUE(queue::list_active(cfg.queue_dir()).empty());
    partial.abort();
}

TEST_F(AgentTest, TemporaryFailureIsRetried) {
    // A file where alice's Maildir should be: delivery fails until it is removed.
    fs::make_dirs(cfg.mail_dir());
    fs::write_file_atomic(cfg.mail_dir() + "/alice", "in the way");
    Agent agent(cfg, provider, 1);
    agent.set_retry_delays(std::chrono::milliseconds(50), std::chrono::milliseconds(100));
    agent.start();
    std::string id = enqueue({{Kind::Mailbox, "alice", 0}, {Kind::Public, "sales", 1}});
    agent.submit(id);
    agent.drain();
    EXPECT_EQ(count_files(cfg.public_dir() + "/sales/new"), 1u);
    auto e = queue::read_entry(queue::active_path(cfg.queue_dir(), id));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->target_done, (std::vector<bool>{false, true}));

    sfs::remove(cfg.mail_dir() + "/alice");
    for (int i = 0; i < 200 && !queue::list_active(cfg.queue_dir()).empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    agent.drain();
    EXPECT_TRUE(queue::list_active(cfg.queue_dir()).empty());
    EXPECT_EQ(count_files(inbox_new("alice")), 1u);
    EXPECT_EQ(count_files(cfg.public_dir() + "/sales/new"), 1u);
}

TEST_F(AgentTest, CorruptQueueFileIsSetAside) {
    fs::make_dirs(queue::active_dir(cfg.queue_dir()));
    fs::write_file_atomic(queue::active_path(cfg.queue_dir(), "0000000000000ZZZ"), "garbage");
    Agent agent(cfg, provider, 1);
    agent.start();
    agent.drain();
    EXPECT_TRUE(queue::list_active(cfg.queue_dir()).empty());
    EXPECT_TRUE(sfs::exists(cfg.queue_dir() + "/corrupt/0000000000000ZZZ"));
}

}  // namespace
}  // namespace magpie::delivery
