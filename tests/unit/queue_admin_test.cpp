// Queue administration: listing with pending recipients and deferral info, show, delete
// with side files, resend triggers, the ID.defer format, hostile IDs, and the service
// layer's queue operations on data_dir/queue.
#include "queue/queue_admin.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "admin/service.h"
#include "core/fs.h"
#include "queue/queue_file.h"

namespace magpie::queue {
namespace {

namespace sfs = std::filesystem;

class QueueAdminTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/magpie-qadmin-XXXXXX";
        dir_ = mkdtemp(tmpl);
        qdir_ = dir_ + "/queue";
    }
    void TearDown() override { sfs::remove_all(dir_); }

    // Commits a message from alice to a local user and two remote addresses.
    std::string enqueue(int64_t arrival, const std::string& body = "Subject: hi\r\n\r\nhello\r\n") {
        Writer w(qdir_, new_queue_id());
        w.append(body);
        Envelope env;
        env.arrival = arrival;
        env.sender = "alice@example.org";
        env.recipients = {{"bob@example.org", "", ""},
                          {"carol@remote.net", "SUCCESS,FAILURE", "rfc822;carol@remote.net"},
                          {"dave@remote.net", "", ""}};
        env.targets = {{store::Target::Kind::Mailbox, "bob", 0},
                       {store::Target::Kind::Remote, "carol@remote.net", 1},
                       {store::Target::Kind::Remote, "dave@remote.net", 2},
                       {store::Target::Kind::Mailbox, "audit", -1}};
        env.client_ip = "192.0.2.7";
        env.client_helo = "client.example";
        env.message_id = "<m@example.org>";
        w.commit(env);
        return w.id();
    }
    std::string dir_, qdir_;
};

TEST_F(QueueAdminTest, Ids) {
    EXPECT_TRUE(valid_queue_id("7K3ZQ2M1A4BC9D"));
    for (auto bad : {"", "..", "a/b", "ID.done", "x y", "../../etc/passwd"})
        EXPECT_FALSE(valid_queue_id(bad)) << bad;
    EXPECT_FALSE(valid_queue_id(std::string(65, 'A')));
    EXPECT_EQ(format_time_iso(1751371200), "2025-07-01T12:00:00Z");
}

TEST_F(QueueAdminTest, EmptyOrMissingQueue) {
    EXPECT_TRUE(list_queue(qdir_).empty());
    EXPECT_FALSE(get_queue_item(qdir_, "ABC"));
    EXPECT_FALSE(show_message(qdir_, "ABC"));
    EXPECT_FALSE(delete_queue_item(dir_, "ABC"));
}

TEST_F(QueueAdminTest, ListShowsPendingRecipientsAndDeferrals) {
    auto late = enqueue(2000);
    auto early = enqueue(1000);
    auto e = read_entry(active_path(qdir_, late));
    ASSERT_TRUE(e);
    mark_targets_done(*e, {{0, "delivered"}, {2, "sent"}});
    write_defer_info(qdir_, late, 3, 5000, "host mx.remote.net said: 451 4.7.1 try\r\nlater");
    // A corrupt entry is skipped, side files are not entries.
    fs::write_file_atomic(active_path(qdir_, "CORRUPT"), "garbage");

    auto items = list_queue(qdir_);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].id, early);  // by arrival
    EXPECT_EQ(items[0].arrival, 1000);
    EXPECT_EQ(items[0].size, 22);
    EXPECT_EQ(items[0].sender, "alice@example.org");
    EXPECT_EQ(items[0].recipients, (std::vector<std::string>{"bob@example.org", "carol@remote.net",
                                                             "dave@remote.net", "audit"}));
    EXPECT_EQ(items[0].reason, "");
    EXPECT_EQ(items[0].attempts, 0);
    EXPECT_EQ(items[1].id, late);
    EXPECT_EQ(items[1].recipients, (std::vector<std::string>{"carol@remote.net", "audit"}));
    EXPECT_EQ(items[1].reason, "host mx.remote.net said: 451 4.7.1 try  later");
    EXPECT_EQ(items[1].attempts, 3);
    EXPECT_EQ(items[1].next_attempt, 5000);

    auto one = get_queue_item(qdir_, late);
    ASSERT_TRUE(one);
    EXPECT_EQ(one->attempts, 3);
    EXPECT_FALSE(get_queue_item(qdir_, "../active/" + late));
}

TEST_F(QueueAdminTest, Show) {
    auto id = enqueue(1751371200);
    write_defer_info(qdir_, id, 1, 1751371500, "connection refused");
    auto text = show_message(qdir_, id);
    ASSERT_TRUE(text);
    EXPECT_NE(text->find("queue_id: " + id + "\n"), std::string::npos);
    EXPECT_NE(text->find("arrival: 2025-07-01T12:00:00Z\n"), std::string::npos);
    EXPECT_NE(text->find("sender: <alice@example.org>\n"), std::string::npos);
    EXPECT_NE(
        text->find("recipient: <carol@remote.net> notify=SUCCESS,FAILURE orcpt=rfc822;carol@"),
        std::string::npos);
    EXPECT_NE(text->find("pending: dave@remote.net\n"), std::string::npos);
    EXPECT_NE(text->find("client: client.example [192.0.2.7]\n"), std::string::npos);
    EXPECT_NE(text->find("reason: connection refused\n"), std::string::npos);
    EXPECT_NE(text->find("next_attempt: 2025-07-01T12:05:00Z\n"), std::string::npos);
    // The message follows the blank line, without the envelope or trailer.
    auto blank = text->find("\n\n");
    ASSERT_NE(blank, std::string::npos);
    EXPECT_EQ(text->substr(blank + 2), "Subject: hi\r\n\r\nhello\r\n");
}

TEST_F(QueueAdminTest, DeleteRemovesSideFiles) {
    auto id = enqueue(1);
    auto keep = enqueue(2);
    auto e = read_entry(active_path(qdir_, id));
    mark_target_done(*e, 0, "delivered");
    write_defer_info(qdir_, id, 1, 2, "x");
    fs::write_file_atomic(active_path(qdir_, id) + ".other", "y");
    request_resend(qdir_, id);
    ASSERT_TRUE(sfs::exists(active_path(qdir_, id) + ".done"));

    EXPECT_FALSE(delete_queue_item(qdir_, "../" + id));
    EXPECT_TRUE(delete_queue_item(qdir_, id));
    for (auto suffix : {"", ".done", ".defer", ".other"})
        EXPECT_FALSE(sfs::exists(active_path(qdir_, id) + suffix)) << suffix;
    EXPECT_TRUE(pending_resend_requests(qdir_).empty());
    EXPECT_FALSE(delete_queue_item(qdir_, id));
    ASSERT_EQ(list_queue(qdir_).size(), 1u);
    EXPECT_EQ(list_queue(qdir_)[0].id, keep);
    EXPECT_TRUE(sfs::exists(active_path(qdir_, keep)));
}

TEST_F(QueueAdminTest, ResendTriggers) {
    EXPECT_TRUE(pending_resend_requests(qdir_).empty());
    request_resend(qdir_, "ABC123");
    request_resend(qdir_, "");
    request_resend(qdir_, "ABC123");  // idempotent
    EXPECT_TRUE(sfs::exists(qdir_ + "/flush/ABC123"));
    EXPECT_TRUE(sfs::exists(qdir_ + "/flush/ALL"));
    EXPECT_EQ(pending_resend_requests(qdir_), (std::vector<std::string>{"", "ABC123"}));
    EXPECT_THROW(request_resend(qdir_, "../x"), std::invalid_argument);
    clear_resend_request(qdir_, "");
    EXPECT_EQ(pending_resend_requests(qdir_), (std::vector<std::string>{"ABC123"}));
    clear_resend_request(qdir_, "ABC123");
    EXPECT_TRUE(pending_resend_requests(qdir_).empty());
}

TEST_F(QueueAdminTest, DeferFileFormat) {
    fs::make_dirs(qdir_ + "/active");
    EXPECT_FALSE(read_defer_info(qdir_, "ID1"));
    write_defer_info(qdir_, "ID1", 4, 1751371500, "451 4.3.0\nInjected line");
    EXPECT_EQ(fs::read_file(active_path(qdir_, "ID1") + ".defer"),
              "attempts 4\nnext 1751371500\nreason 451 4.3.0 Injected line\n");
    auto d = read_defer_info(qdir_, "ID1");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->attempts, 4);
    EXPECT_EQ(d->next_attempt, 1751371500);
    EXPECT_EQ(d->reason, "451 4.3.0 Injected line");
    // Replaced atomically on the next deferral; unknown keys are ignored.
    write_defer_info(qdir_, "ID1", 5, 1751372000, "");
    EXPECT_EQ(read_defer_info(qdir_, "ID1")->attempts, 5);
    fs::write_file_atomic(active_path(qdir_, "ID1") + ".defer",
                          "attempts 2\nnext 9\nfuture key\nreason r\n");
    EXPECT_EQ(read_defer_info(qdir_, "ID1")->reason, "r");
    for (auto bad : {"", "attempts x\nnext 1\n", "attempts 1\n", "attempts -1\nnext 1\n"}) {
        fs::write_file_atomic(active_path(qdir_, "ID1") + ".defer", bad);
        EXPECT_FALSE(read_defer_info(qdir_, "ID1")) << bad;
    }
    EXPECT_THROW(write_defer_info(qdir_, "a/b", 1, 1, ""), std::invalid_argument);
    EXPECT_FALSE(read_defer_info(qdir_, "../ID1"));
}

TEST_F(QueueAdminTest, ServiceLayer) {
    // The service finds the queue beside its DB, as Config lays out data_dir.
    admin::Service svc(dir_ + "/magpie.db");
    EXPECT_TRUE(svc.queue_list().ok());
    EXPECT_TRUE(svc.queue_list().value.empty());
    auto a = enqueue(10);
    auto b = enqueue(20);
    write_defer_info(qdir_, b, 2, 99, "deferred");

    auto list = svc.queue_list();
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list.value.size(), 2u);
    EXPECT_EQ(list.value[1].id, b);
    EXPECT_EQ(list.value[1].reason, "deferred");
    EXPECT_EQ(list.value[1].attempts, 2);

    auto shown = svc.queue_show(a);
    ASSERT_TRUE(shown.ok());
    EXPECT_NE(shown.value.find("hello"), std::string::npos);
    EXPECT_EQ(svc.queue_show("NOPE").code, admin::Errc::NotFound);
    EXPECT_EQ(svc.queue_show("../x").code, admin::Errc::Invalid);

    EXPECT_TRUE(svc.queue_resend(a).ok());
    EXPECT_TRUE(svc.queue_resend("").ok());
    EXPECT_EQ(svc.queue_resend("NOPE").code, admin::Errc::NotFound);
    EXPECT_EQ(svc.queue_resend("a.b").code, admin::Errc::Invalid);
    EXPECT_EQ(pending_resend_requests(qdir_), (std::vector<std::string>{"", a}));

    EXPECT_TRUE(svc.queue_delete(a).ok());
    EXPECT_EQ(svc.queue_delete(a).code, admin::Errc::NotFound);
    EXPECT_EQ(svc.queue_delete("x/y").code, admin::Errc::Invalid);
    enqueue(30);
    auto n = svc.queue_delete_all();
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.value, 2);
    EXPECT_TRUE(svc.queue_list().value.empty());
}

}  // namespace
}  // namespace magpie::queue
