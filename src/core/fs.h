// File helpers for durable writes: write-all, fsync of files and directories, atomic replace.
#pragma once
#include <sys/types.h>

#include <string>
#include <string_view>

namespace magpie::fs {

// Each throws std::system_error on failure.
void write_all(int fd, std::string_view data);
void fsync_fd(int fd);
void fsync_dir(const std::string& dir);
// Writes `data` to path.tmp, fsyncs it, renames over `path` and fsyncs the directory.
void write_file_atomic(const std::string& path, std::string_view data, int mode = 0600);
// Writes `data` to path.tmp and renames it over `path`, without any fsync: for caches that
// may be lost in a crash (a reader must then detect a missing, empty or torn file).
void replace_file(const std::string& path, std::string_view data, int mode = 0600);
std::string read_file(const std::string& path);
// Opens a file to read without updating its access time (O_NOATIME, where the process may:
// it owns the file or has CAP_FOWNER), so reading mail does not dirty an inode per message.
// The descriptor, or -1 with errno set.
int open_read(const std::string& path);
// Reads up to `len` bytes at `off`, retrying short reads and EINTR: the count read (less
// than `len` only at end of file), or -1 with errno set. Does not throw.
ssize_t read_at(int fd, char* buf, size_t len, off_t off);
void make_dirs(const std::string& path, int mode = 0700);

}  // namespace magpie::fs
