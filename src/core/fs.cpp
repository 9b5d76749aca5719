// Durable file writes: everything that is acknowledged is fsync'd through these helpers.
#include "core/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace magpie::fs {

static void fail(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("write");
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
}

void fsync_fd(int fd) {
    if (::fdatasync(fd) != 0) fail("fdatasync");
}

void fsync_dir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail("open dir " + dir);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) {
        errno = err;
        fail("fsync dir " + dir);
    }
}

namespace {

// Writes `data` to PATH.tmp and renames it over `path`; with `durable`, the file and then
// its directory are fsync'd.
void replace_via_tmp(const std::string& path, std::string_view data, int mode, bool durable) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) fail("open " + tmp);
    try {
        write_all(fd, data);
        if (durable) fsync_fd(fd);
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename " + tmp);
    if (durable) fsync_dir(std::filesystem::path(path).parent_path().string());
}

}  // namespace

void write_file_atomic(const std::string& path, std::string_view data, int mode) {
    replace_via_tmp(path, data, mode, true);
}

void replace_file(const std::string& path, std::string_view data, int mode) {
    replace_via_tmp(path, data, mode, false);
}

int open_read(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    return fd;
}

ssize_t read_at(int fd, char* buf, size_t len, off_t off) {
    size_t got = 0;
    while (got < len) {
        ssize_t n = ::pread(fd, buf + got, len - got, off + static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(got);
}

std::string read_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("open " + path);
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            errno = err;
            fail("read " + path);
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

void make_dirs(const std::string& path, int mode) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) throw std::system_error(ec, "mkdir " + path);
    ::chmod(path.c_str(), static_cast<mode_t>(mode));
}

}  // namespace magpie::fs
