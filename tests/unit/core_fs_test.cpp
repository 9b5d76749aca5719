// core/fs: read_at over short files and offsets; open_read leaves access times alone.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "core/fs.h"
#include "temp_dir.h"

using magpie::test_util::TempDir;
namespace fs = magpie::fs;

TEST(CoreFs, ReadAtStopsAtTheEndOfTheFile) {
    TempDir t;
    std::string path = t.path + "/f";
    fs::write_file_atomic(path, "0123456789");
    int fd = fs::open_read(path);
    ASSERT_GE(fd, 0);
    char buf[16] = {};
    EXPECT_EQ(fs::read_at(fd, buf, 4, 3), 4);
    EXPECT_EQ(std::string(buf, 4), "3456");
    EXPECT_EQ(fs::read_at(fd, buf, sizeof buf, 8), 2);
    EXPECT_EQ(std::string(buf, 2), "89");
    EXPECT_EQ(fs::read_at(fd, buf, sizeof buf, 20), 0);
    ::close(fd);
    EXPECT_EQ(fs::read_at(-1, buf, 1, 0), -1);
    EXPECT_EQ(fs::open_read(t.path + "/missing"), -1);
}

TEST(CoreFs, OpenReadDoesNotUpdateTheAccessTime) {
    TempDir t;
    std::string path = t.path + "/m";
    fs::write_file_atomic(path, "Subject: x\r\n\r\nbody\r\n");
    // An access time older than the change time: relatime would update it on a read.
    struct timespec times[2] = {{1000000000, 0}, {1000000000, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
    int fd = fs::open_read(path);
    ASSERT_GE(fd, 0);
    char buf[64];
    EXPECT_GT(fs::read_at(fd, buf, sizeof buf, 0), 0);
    ::close(fd);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_atim.tv_sec, 1000000000);
}
