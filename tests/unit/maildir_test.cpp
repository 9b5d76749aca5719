// Maildir writer tests: names, content, lazy creation, and no second copy after a crash.
#include "delivery/maildir.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/fs.h"
#include "temp_dir.h"

namespace magpie::delivery {
namespace {

namespace sfs = std::filesystem;

using magpie::test_util::TempDir;

std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> out;
    if (!sfs::exists(dir)) return out;
    for (const auto& de : sfs::directory_iterator(dir)) out.push_back(de.path().filename());
    std::sort(out.begin(), out.end());
    return out;
}

struct MaildirTest : ::testing::Test {
    TempDir dir;
    std::string source = dir.path + "/source";
    std::string body = "PREFIX-JUNK";  // bytes before the message, to test the offset
    std::string msg = "Subject: hi\r\n\r\nHello\r\n";
    int fd = -1;
    void SetUp() override {
        fs::write_file_atomic(source, body + msg);
        fd = ::open(source.c_str(), O_RDONLY);
    }
    void TearDown() override { ::close(fd); }
    MaildirMessage message(size_t target = 3) {
        MaildirMessage m;
        m.queue_id = "0ABCDEFGHJK12XYZ";
        m.target_index = target;
        m.arrival = 1700000000;
        m.sender = "alice@example.org";
        m.recipient = "bob@example.org";
        m.source_fd = fd;
        m.offset = static_cast<int64_t>(body.size());
        m.size = static_cast<int64_t>(msg.size());
        return m;
    }
};

TEST_F(MaildirTest, InsertionIsSplicedIntoTheCopy) {
    MaildirWriter w("mx.example.org");
    std::string root = dir.path + "/mail/bob";
    mime::HeaderInsertion ins{9, "[SPAM] "};  // after "Subject: "
    auto m = message();
    m.insertion = &ins;
    ASSERT_EQ(w.deliver(root, m, false), MaildirResult::Delivered);
    std::string expect_content =
        "Return-Path: <alice@example.org>\r\nDelivered-To: "
        "bob@example.org\r\nSubject: [SPAM] hi\r\n\r\nHello\r\n";
    EXPECT_EQ(maildir_file_size(m), expect_content.size());
    auto names = names_in(root + "/new");
    ASSERT_EQ(names.size(), 1u);
    EXPECT_TRUE(names[0].ends_with(",S=" + std::to_string(expect_content.size())));
    EXPECT_EQ(fs::read_file(root + "/new/" + names[0]), expect_content);
}

TEST(MaildirName, EscapesHost) {
    EXPECT_EQ(escape_maildir_host("a/b:c.example"), "a\\057b\\072c.example");
    EXPECT_EQ(maildir_unique_prefix(12, 3, "QID"), "12.M3QQID.");
}

TEST_F(MaildirTest, DeliverCreatesMaildirNameAndContent) {
    MaildirWriter w("mx/1:2.example.org");
    std::string root = dir.path + "/mail/bob";
    ASSERT_EQ(w.deliver(root, message(), false), MaildirResult::Delivered);
    for (const char* sub : {"", "/tmp", "/new", "/cur"}) {
        struct stat st {};
        ASSERT_EQ(::stat((root + sub).c_str(), &st), 0) << sub;
        EXPECT_EQ(st.st_mode & 0777, 0700u) << sub;
    }
    std::string expect_content =
        "Return-Path: <alice@example.org>\r\nDelivered-To: bob@example.org\r\n" + msg;
    auto names = names_in(root + "/new");
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(names[0], "1700000000.M3Q0ABCDEFGHJK12XYZ.mx\\0571\\0722.example.org,S=" +
                            std::to_string(expect_content.size()));
    EXPECT_EQ(fs::read_file(root + "/new/" + names[0]), expect_content);
    EXPECT_TRUE(names_in(root + "/tmp").empty());
    EXPECT_TRUE(maildir_contains(root, maildir_unique_prefix(1700000000, 3, "0ABCDEFGHJK12XYZ")));
    EXPECT_FALSE(maildir_contains(root, maildir_unique_prefix(1700000000, 4, "0ABCDEFGHJK12XYZ")));

    // Another target of the same message is a different file.
    ASSERT_EQ(w.deliver(root, message(4), false), MaildirResult::Delivered);
    EXPECT_EQ(names_in(root + "/new").size(), 2u);
}

TEST_F(MaildirTest, NullSenderAndHeaderInjection) {
    MaildirWriter w("h");
    std::string root = dir.path + "/m";
    auto m = message();
    m.sender = "";
    m.recipient = "x\r\nBcc: evil";
    ASSERT_EQ(w.deliver(root, m, false), MaildirResult::Delivered);
    auto names = names_in(root + "/new");
    ASSERT_EQ(names.size(), 1u);
    std::string content = fs::read_file(root + "/new/" + names[0]);
    EXPECT_EQ(content.substr(0, 50), "Return-Path: <>\r\nDelivered-To: x  Bcc: evil\r\nSubje");
}

TEST_F(MaildirTest, RedeliveryAfterCrashIsSkipped) {
    MaildirWriter w("host");
    std::string root = dir.path + "/m";
    ASSERT_EQ(w.deliver(root, message(), false), MaildirResult::Delivered);
    auto names = names_in(root + "/new");
    ASSERT_EQ(names.size(), 1u);
    std::string original = fs::read_file(root + "/new/" + names[0]);

    // Still in new/: found by the check, and even without it never overwritten.
    EXPECT_EQ(w.deliver(root, message(), true), MaildirResult::AlreadyPresent);
    EXPECT_EQ(w.deliver(root, message(), false), MaildirResult::AlreadyPresent);
    EXPECT_EQ(names_in(root + "/new").size(), 1u);
    EXPECT_TRUE(names_in(root + "/tmp").empty());

    // Moved to cur/ with flags by an IMAP client.
    sfs::rename(root + "/new/" + names[0], root + "/cur/" + names[0] + ":2,FS");
    EXPECT_EQ(w.deliver(root, message(), true), MaildirResult::AlreadyPresent);
    EXPECT_TRUE(names_in(root + "/new").empty());

    // A different hostname after the restart still finds it by the unique prefix.
    MaildirWriter renamed("other-host");
    EXPECT_EQ(renamed.deliver(root, message(), true), MaildirResult::AlreadyPresent);
    EXPECT_EQ(names_in(root + "/cur").size(), 1u);
}

TEST_F(MaildirTest, RecoveryIndexScansOnce) {
    MaildirWriter w("host");
    std::string root = dir.path + "/m";
    ASSERT_EQ(w.deliver(root, message(1), false), MaildirResult::Delivered);
    auto names = names_in(root + "/new");
    ASSERT_EQ(names.size(), 1u);
    sfs::rename(root + "/new/" + names[0], root + "/cur/" + names[0] + ":2,S");
    auto m = message(1);
    std::string id(m.queue_id);
    ExistingCopies index({id});
    EXPECT_TRUE(index.contains(root, id, maildir_unique_prefix(m.arrival, 1, id)));
    EXPECT_FALSE(index.contains(root, id, maildir_unique_prefix(m.arrival, 2, id)));
    EXPECT_FALSE(index.contains(dir.path + "/none", id, maildir_unique_prefix(m.arrival, 1, id)));
    EXPECT_EQ(w.deliver(root, m, true, &index), MaildirResult::AlreadyPresent);
    EXPECT_EQ(w.deliver(root, message(2), true, &index), MaildirResult::Delivered);
    // IDs outside the index are looked up directly.
    ExistingCopies other({"SOMETHINGELSE"});
    EXPECT_TRUE(other.contains(root, id, maildir_unique_prefix(m.arrival, 1, id)));
}

TEST_F(MaildirTest, ShortQueueFileIsAnError) {
    MaildirWriter w("host");
    auto m = message();
    m.size += 100;
    EXPECT_THROW(w.deliver(dir.path + "/m", m, false), std::system_error);
    EXPECT_TRUE(names_in(dir.path + "/m/new").empty());
}

TEST_F(MaildirTest, UnwritableRootIsAnError) {
    MaildirWriter w("host");
    fs::write_file_atomic(dir.path + "/file", "not a dir");
    EXPECT_THROW(w.deliver(dir.path + "/file/m", message(), false), std::system_error);
}

}  // namespace
}  // namespace magpie::delivery
