// Queue file tests: IDs, envelope codec, write/read round trip, corruption, .done progress.
#include "queue/queue_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "core/fs.h"
#include "queue/envelope_codec.h"
#include "queue/group_sync.h"
#include "temp_dir.h"

namespace magpie::queue {
namespace {

namespace sfs = std::filesystem;

using magpie::test_util::TempDir;

Envelope weird_envelope() {
    Envelope env;
    env.arrival = 1700000000;
    env.sender = std::string("we ird\r\nX-Injected: 1\0+=%~", 26);
    env.recipients = {{"bob@example.org", "SUCCESS,FAILURE", "rfc822;bob@example.org"},
                      {"", "", ""},
                      {"line\nbreak@x", "NEVER", "utf-8;b\xc3\xa9@x"}};
    env.targets = {{store::Target::Kind::Mailbox, "bob", 0},
                   {store::Target::Kind::Public, "sales team", 1},
                   {store::Target::Kind::Remote, "carol@remote.example", 2},
                   {store::Target::Kind::Mailbox, "audit", -1}};
    env.client_ip = "2001:db8::1";
    env.client_helo = "helo with spaces\r\n";
    env.auth_user = "alice";
    env.listener = "submission";
    env.protocol = "ESMTPSA";
    env.body = "8BITMIME";
    env.smtputf8 = true;
    env.dsn_ret = "HDRS";
    env.dsn_envid = "QQ314159+2B";
    env.message_id = "<abc@def>";
    return env;
}

std::string body_of(const Entry& e) {
    std::string all = fs::read_file(e.path);
    return all.substr(static_cast<size_t>(e.body_offset), static_cast<size_t>(e.env.size));
}

void write_plain(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

std::string commit_message(const std::string& qdir, const Envelope& env, std::string_view msg) {
    Writer w(qdir, new_queue_id());
    w.append(msg);
    w.commit(env);
    return w.id();
}

TEST(QueueId, UniqueSortableAlnum) {
    std::string prev;
    std::set<std::string> seen;
    for (int i = 0; i < 20000; ++i) {
        std::string id = new_queue_id();
        ASSERT_EQ(id.size(), 16u);
        for (char c : id) ASSERT_TRUE(std::isdigit(c) || std::isupper(c)) << id;
        ASSERT_GT(id, prev);
        ASSERT_TRUE(seen.insert(id).second);
        prev = id;
    }
}

TEST(QueueId, EncodesItsTime) {
    auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    int64_t t = queue_id_time_us(new_queue_id());
    EXPECT_LE(std::abs(t - now), 2000000);
    EXPECT_EQ(queue_id_time_us("short"), 0);
    EXPECT_EQ(queue_id_time_us("iiiiiiiiiiiiiiii"), 0);
}

TEST(EnvelopeCodec, XtextRoundTripsEveryByte) {
    std::string all;
    for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
    std::string enc = xtext_encode(all);
    for (char c : enc) EXPECT_TRUE(c > ' ' && c < 127 && c != '=');
    EXPECT_EQ(xtext_decode(enc), all);
    EXPECT_FALSE(xtext_decode("a+4"));
    EXPECT_FALSE(xtext_decode("a+ZZ"));
    EXPECT_FALSE(xtext_decode("a b"));
}

TEST(EnvelopeCodec, RejectsMalformed) {
    Envelope env = weird_envelope();
    env.id = "ABC";
    std::string text = format_envelope(env);
    ASSERT_TRUE(parse_envelope(text));
    EXPECT_FALSE(parse_envelope(text.substr(0, text.size() - 4)));  // no "end"
    EXPECT_FALSE(parse_envelope("magpie-envelope 99\nid A\nend\n"));
    EXPECT_FALSE(parse_envelope("magpie-envelope 1\nend\n"));  // no id
    EXPECT_FALSE(parse_envelope("magpie-envelope 1\nid A\ntarget M 5 bob\nend\n"));
    EXPECT_FALSE(parse_envelope("magpie-envelope 1\nid A\ntarget X 0 bob\nend\n"));
    EXPECT_FALSE(parse_envelope("magpie-envelope 1\nid A\nsize -1\nend\n"));
    EXPECT_FALSE(parse_envelope("magpie-envelope 1\nid A\nend\nextra\n"));
    EXPECT_TRUE(parse_envelope("magpie-envelope 1\nid A\nfuture_key x y\nend\n"));
}

TEST(QueueFile, RoundTripWithWeirdValues) {
    TempDir dir;
    std::string qdir = dir.path + "/queue";
    std::string msg;
    for (int i = 0; i < 20000; ++i) msg += "Line " + std::to_string(i) + " \xff\0x\r\n";
    Envelope env = weird_envelope();
    Writer w(qdir, new_queue_id());
    // Mixed chunk sizes, including one above the write buffer.
    size_t pos = 0;
    for (size_t chunk : {size_t{1}, size_t{100}, size_t{70000}, size_t{5}}) {
        w.append(std::string_view(msg).substr(pos, chunk));
        pos += chunk;
    }
    w.append(std::string_view(msg).substr(pos));
    EXPECT_EQ(w.size(), static_cast<int64_t>(msg.size()));
    w.commit(env);
    EXPECT_FALSE(sfs::exists(qdir + "/tmp/" + w.id() + ".msg-tmp"));

    auto e = read_entry(active_path(qdir, w.id()));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->env.id, w.id());
    EXPECT_EQ(e->env.size, static_cast<int64_t>(msg.size()));
    EXPECT_EQ(e->env.sender, env.sender);
    ASSERT_EQ(e->env.recipients.size(), 3u);
    EXPECT_EQ(e->env.recipients[1].address, "");
    EXPECT_EQ(e->env.recipients[2].address, "line\nbreak@x");
    EXPECT_EQ(e->env.recipients[2].orcpt, env.recipients[2].orcpt);
    ASSERT_EQ(e->env.targets.size(), 4u);
    for (size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(e->env.targets[i].kind, env.targets[i].kind);
        EXPECT_EQ(e->env.targets[i].name, env.targets[i].name);
        EXPECT_EQ(e->env.targets[i].rcpt, env.targets[i].rcpt);
    }
    EXPECT_EQ(e->env.client_helo, env.client_helo);
    EXPECT_EQ(e->env.dsn_envid, env.dsn_envid);
    EXPECT_TRUE(e->env.smtputf8);
    EXPECT_EQ(e->env.arrival, env.arrival);
    EXPECT_EQ(e->target_done, std::vector<bool>(4, false));
    EXPECT_EQ(body_of(*e), msg);
}

TEST(QueueFile, EmptyMessage) {
    TempDir dir;
    std::string qdir = dir.path + "/queue";
    std::string id = commit_message(qdir, Envelope{}, "");
    auto e = read_entry(active_path(qdir, id));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->env.size, 0);
}

TEST(QueueFile, TruncatedOrCorruptFileIsRejected) {
    TempDir dir;
    std::string qdir = dir.path + "/queue";
    std::string id = commit_message(qdir, weird_envelope(), "Subject: x\r\n\r\nhi\r\n");
    std::string path = active_path(qdir, id);
    std::string full = fs::read_file(path);
    std::string copy = dir.path + "/copy";
    for (size_t len = 0; len < full.size(); ++len) {
        write_plain(copy, full.substr(0, len));
        ASSERT_FALSE(read_entry(copy)) << len;
    }
    for (size_t i = 20; i < full.size(); ++i) {  // every byte of envelope and trailer matters
        std::string bad = full;
        bad[i] ^= 0x21;
        write_plain(copy, bad);
        ASSERT_FALSE(read_entry(copy)) << i;
    }
    write_plain(copy, std::string(5000, 'x'));
    EXPECT_FALSE(read_entry(copy));
    EXPECT_FALSE(read_entry(dir.path + "/missing"));
    EXPECT_FALSE(read_entry(dir.path));
}

TEST(QueueFile, DoneTracking) {
    TempDir dir;
    std::string qdir = dir.path + "/queue";
    std::string id = commit_message(qdir, weird_envelope(), "x\r\n");
    auto e = read_entry(active_path(qdir, id));
    ASSERT_TRUE(e);
    mark_target_done(*e, 2, "sent\nbad");
    mark_targets_done(*e, {{0, "sent"}, {99, "out of range"}});
    {
        std::ofstream torn(e->path + ".done", std::ios::app);
        torn << "1 sen";  // a torn last line never counts
    }
    auto again = read_entry(e->path);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->target_done, (std::vector<bool>{true, false, true, false}));
    remove_entry(*again);
    EXPECT_FALSE(sfs::exists(e->path));
    EXPECT_FALSE(sfs::exists(e->path + ".done"));
}

TEST(QueueFile, ListActiveSkipsProgressAndUncommitted) {
    TempDir dir;
    std::string qdir = dir.path + "/queue";
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(commit_message(qdir, Envelope{}, "m\r\n"));
    auto e = read_entry(active_path(qdir, ids[1]));
    mark_target_done(*e, 0, "sent");
    Writer pending(qdir, new_queue_id());
    pending.append("partial");
    {
        Writer aborted(qdir, new_queue_id());
        aborted.append("gone");
    }
    EXPECT_EQ(list_active(qdir), ids);
    EXPECT_EQ(sfs::directory_iterator(qdir + "/tmp") == sfs::directory_iterator(), false);
    pending.abort();
    EXPECT_TRUE(sfs::is_empty(qdir + "/tmp"));
    EXPECT_TRUE(list_active(dir.path + "/nowhere").empty());
}

TEST(QueueFile, ConcurrentCommitsShareDirectorySyncs) {
    TempDir dir;
    std::string qdir = dir.path + "/queue";
    std::vector<std::thread> threads;
    std::mutex mu;
    std::vector<std::string> ids;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 20; ++i) {
                std::string id = commit_message(qdir, Envelope{}, "m\r\n");
                std::lock_guard lock(mu);
                ids.push_back(id);
            }
        });
    }
    for (auto& t : threads) t.join();
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(list_active(qdir), ids);
    EXPECT_THROW(group_fsync_dir(dir.path + "/missing"), std::system_error);
}

}  // namespace
}  // namespace magpie::queue
