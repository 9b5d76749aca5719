// Queue files on disk: streaming writer, reader, per-target progress, listing.
//
// Layout of data_dir/queue:
//   tmp/ID.msg-tmp   being received; never read by anyone but its Writer
//   active/ID        committed entry (renamed here by Writer::commit)
//   active/ID.done   per-target progress, one "INDEX STATUS\n" line per finished target
//
// Format of active/ID (version 1). The message comes first so it can be streamed to disk
// while it arrives, and the envelope (known only at the end of DATA) goes behind it:
//
//   offset 0          message bytes exactly as received (CRLF, unstuffed), env.size bytes
//   offset env.size   envelope text, see envelope_codec.cpp ("magpie-envelope 1\n" ... "end\n")
//   last 58 bytes     trailer "magpie-queue 1 OOOOOOOOOOOOOOOO LLLLLLLL HHHHHHHHHHHHHHHH\n":
//                     hex offset and length of the envelope and its 64-bit FNV-1a hash
//
// So commit is: one write of envelope + trailer, one fdatasync, one rename into active/,
// one fsync of active/ (shared by concurrent commits, see group_sync.h). A reader checks
// that trailer, offset, length and hash agree with the file size; a truncated or
// overwritten file is rejected, never half-parsed.
#include "queue/queue_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <system_error>

#include "core/fs.h"
#include "queue/envelope_codec.h"
#include "queue/group_sync.h"

namespace magpie::queue {
namespace {

constexpr size_t kWriteBuffer = 64 * 1024;
constexpr size_t kTrailerSize = 58;
constexpr int64_t kMaxEnvelope = 64 * 1024 * 1024;  // far above 1000 recipients and targets
constexpr std::string_view kTrailerMagic = "magpie-queue 1 ";

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

uint64_t fnv1a(std::string_view s) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

std::string make_trailer(uint64_t offset, uint64_t length, uint64_t hash) {
    char buf[kTrailerSize + 1];
    std::snprintf(buf, sizeof buf, "magpie-queue 1 %016llx %08llx %016llx\n",
                  static_cast<unsigned long long>(offset), static_cast<unsigned long long>(length),
                  static_cast<unsigned long long>(hash));
    return std::string(buf, kTrailerSize);
}

bool parse_hex(std::string_view s, uint64_t& out) {
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
    return ec == std::errc() && p == s.data() + s.size();
}

bool pread_all(int fd, char* buf, size_t len, off_t off) {
    return fs::read_at(fd, buf, len, off) == static_cast<ssize_t>(len);
}

std::string tmp_dir(const std::string& queue_dir) {
    return queue_dir + "/tmp";
}

// Creates queue/, tmp/ and active/ and makes their directory entries durable, so that an
// entry committed into a fresh active/ cannot vanish with its folder after a crash.
void ensure_dirs(const std::string& queue_dir) {
    fs::make_dirs(queue_dir + "/tmp");
    fs::make_dirs(queue_dir + "/active");
    fs::fsync_dir(queue_dir);
    size_t slash = queue_dir.rfind('/');
    fs::fsync_dir(slash == std::string::npos ? "." : slash == 0 ? "/" : queue_dir.substr(0, slash));
}

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    });
}

// Reads ID.done: only complete lines count (a torn last line was never acknowledged).
void read_done(const std::string& path, std::vector<bool>& done) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    std::string text;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    std::string_view rest = text;
    for (size_t nl; (nl = rest.find('\n')) != std::string_view::npos; rest.remove_prefix(nl + 1)) {
        std::string_view line = rest.substr(0, nl);
        size_t sp = line.find(' ');
        std::string_view num = line.substr(0, sp);
        size_t idx = 0;
        auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), idx);
        if (ec == std::errc() && p == num.data() + num.size() && idx < done.size()) {
            done[idx] = true;
        }
    }
}

}  // namespace

std::string active_dir(const std::string& queue_dir) {
    return queue_dir + "/active";
}

std::string active_path(const std::string& queue_dir, const std::string& id) {
    return active_dir(queue_dir) + "/" + id;
}

Writer::Writer(const std::string& queue_dir, std::string id)
    : queue_dir_(queue_dir), id_(std::move(id)) {
    if (!valid_id(id_)) throw std::invalid_argument("bad queue id: " + id_);
    std::string path = tmp_dir(queue_dir_) + "/" + id_ + ".msg-tmp";
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
    fd_ = ::open(path.c_str(), flags, 0600);
    if (fd_ < 0 && errno == ENOENT) {
        ensure_dirs(queue_dir_);
        fd_ = ::open(path.c_str(), flags, 0600);
    }
    if (fd_ < 0) fail("open " + path);
    buf_.reserve(kWriteBuffer);
}

Writer::~Writer() {
    if (!done_) abort();
}

std::string Writer::tmp_path() const {
    return tmp_dir(queue_dir_) + "/" + id_ + ".msg-tmp";
}

void Writer::flush() {
    if (buf_.empty()) return;
    fs::write_all(fd_, buf_);
    buf_.clear();
}

void Writer::append(std::string_view bytes) {
    if (done_) throw std::logic_error("queue writer: append after commit/abort");
    size_ += static_cast<int64_t>(bytes.size());
    if (buf_.size() + bytes.size() > kWriteBuffer) {
        flush();
        if (bytes.size() >= kWriteBuffer) {
            fs::write_all(fd_, bytes);
            return;
        }
    }
    buf_.append(bytes);
}

void Writer::commit(const Envelope& env) {
    if (done_) throw std::logic_error("queue writer: commit after commit/abort");
    std::string tmp = tmp_dir(queue_dir_) + "/" + id_ + ".msg-tmp";
    std::string dst = active_path(queue_dir_, id_);
    try {
        Envelope e = env;
        e.id = id_;
        e.size = size_;
        std::string text = format_envelope(e);
        uint64_t len = text.size(), hash = fnv1a(text);
        text += make_trailer(static_cast<uint64_t>(size_), len, hash);
        flush();
        fs::write_all(fd_, text);
        fs::fsync_fd(fd_);
        if (::rename(tmp.c_str(), dst.c_str()) != 0) {
            if (errno != ENOENT) fail("rename " + tmp);
            ensure_dirs(queue_dir_);  // active/ removed while receiving
            if (::rename(tmp.c_str(), dst.c_str()) != 0) fail("rename " + tmp);
        }
        group_fsync_dir(active_dir(queue_dir_));
    } catch (...) {
        abort();
        throw;
    }
    ::close(fd_);
    fd_ = -1;
    buf_.clear();
    buf_.shrink_to_fit();
    done_ = true;
}

std::string enqueue_local(const std::string& queue_dir, Envelope& env, std::string_view msg,
                          int64_t now) {
    Writer w(queue_dir, new_queue_id());
    w.append(msg);
    env.id = w.id();
    env.arrival = now;
    env.listener = "local";
    env.protocol = "local";
    env.size = w.size();
    w.commit(env);
    return env.id;
}

void Writer::abort() {
    if (done_) return;
    done_ = true;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    std::string tmp = tmp_dir(queue_dir_) + "/" + id_ + ".msg-tmp";
    ::unlink(tmp.c_str());
}

std::optional<Entry> read_entry(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    auto file_size = static_cast<uint64_t>(st.st_size);
    if (file_size < kTrailerSize) return std::nullopt;
    char tbuf[kTrailerSize];
    if (!pread_all(fd, tbuf, kTrailerSize, static_cast<off_t>(file_size - kTrailerSize))) {
        return std::nullopt;
    }
    std::string_view t(tbuf, kTrailerSize);
    if (t.substr(0, kTrailerMagic.size()) != kTrailerMagic || t.back() != '\n') return std::nullopt;
    t.remove_prefix(kTrailerMagic.size());  // "OFFSET LEN HASH\n": 16 + 1 + 8 + 1 + 16 + 1
    uint64_t off = 0, len = 0, hash = 0;
    if (t[16] != ' ' || t[25] != ' ' || !parse_hex(t.substr(0, 16), off) ||
        !parse_hex(t.substr(17, 8), len) || !parse_hex(t.substr(26, 16), hash)) {
        return std::nullopt;
    }
    if (len > static_cast<uint64_t>(kMaxEnvelope) || off > file_size ||
        off + len + kTrailerSize != file_size) {
        return std::nullopt;
    }
    std::string text(len, '\0');
    if (!pread_all(fd, text.data(), len, static_cast<off_t>(off))) return std::nullopt;
    if (fnv1a(text) != hash) return std::nullopt;
    auto env = parse_envelope(text);
    if (!env || static_cast<uint64_t>(env->size) != off) return std::nullopt;
    Entry e;
    e.env = std::move(*env);
    e.path = path;
    e.body_offset = 0;
    e.target_done.assign(e.env.targets.size(), false);
    read_done(path + ".done", e.target_done);
    return e;
}

void mark_targets_done(const Entry& e,
                       const std::vector<std::pair<size_t, std::string>>& index_status) {
    if (index_status.empty()) return;
    std::string text;
    for (const auto& [idx, status] : index_status) {
        text += std::to_string(idx);
        text += ' ';
        for (char c : status) text += (c == '\n' || c == '\r' || c == '\0') ? ' ' : c;
        text += '\n';
    }
    std::string path = e.path + ".done";
    bool created = false;
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        created = true;
    }
    if (fd < 0) fail("open " + path);
    try {
        fs::write_all(fd, text);
        fs::fsync_fd(fd);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    // A new file's directory entry must be durable too, or the progress could vanish.
    if (created) {
        size_t slash = e.path.rfind('/');
        fs::fsync_dir(slash == std::string::npos ? "." : e.path.substr(0, slash));
    }
}

void mark_target_done(const Entry& e, size_t target_index, std::string_view status) {
    mark_targets_done(e, {{target_index, std::string(status)}});
}

void remove_entry(const Entry& e) {
    // The .done file goes first: a crash in between leaves a plain entry, never a .done
    // file without its entry.
    std::string done = e.path + ".done";
    if (::unlink(done.c_str()) != 0 && errno != ENOENT) fail("unlink " + done);
    if (::unlink(e.path.c_str()) != 0 && errno != ENOENT) fail("unlink " + e.path);
}

std::vector<std::string> list_active(const std::string& queue_dir) {
    std::vector<std::string> ids;
    DIR* d = ::opendir(active_dir(queue_dir).c_str());
    if (!d) return ids;
    while (dirent* de = ::readdir(d)) {
        std::string_view name = de->d_name;
        if (valid_id(name)) ids.emplace_back(name);
    }
    ::closedir(d);
    std::sort(ids.begin(), ids.end());
    return ids;
}

void sync_active(const std::string& queue_dir) {
    group_fsync_dir(active_dir(queue_dir));
}

void cleanup_tmp(const std::string& queue_dir, int64_t max_age_seconds) {
    std::string dir = tmp_dir(queue_dir);
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    time_t now = ::time(nullptr);
    while (dirent* de = ::readdir(d)) {
        std::string_view name = de->d_name;
        if (name.size() < 8 || name.substr(name.size() - 8) != ".msg-tmp") continue;
        std::string path = dir + "/" + de->d_name;
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && now - st.st_mtime > max_age_seconds) {
            ::unlink(path.c_str());
        }
    }
    ::closedir(d);
}

}  // namespace magpie::queue
