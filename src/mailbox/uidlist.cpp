// dovecot-uidlist parsing, writing and locking (see uidlist.h).
#include "mailbox/uidlist.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <random>
#include <system_error>
#include <thread>

#include "core/fs.h"
#include "mailbox/flags.h"

namespace magpie::mailbox {
namespace {

bool parse_u32(std::string_view s, uint32_t& out) {
    if (s.empty() || s.size() > 10) return false;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > UINT32_MAX) return false;
    out = static_cast<uint32_t>(v);
    return true;
}

std::vector<std::string_view> split_spaces(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        size_t j = i;
        while (j < s.size() && s[j] != ' ') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

}  // namespace

bool Uidlist::parse(std::string_view data) {
    *this = Uidlist{};
    size_t nl = data.find('\n');
    if (nl == std::string_view::npos) return false;
    auto header = split_spaces(data.substr(0, nl));
    if (header.empty()) return false;
    int version = header[0] == "3" ? 3 : header[0] == "1" ? 1 : 0;
    if (version == 1) {
        if (header.size() < 3 || !parse_u32(header[1], uidvalidity) ||
            !parse_u32(header[2], next_uid)) {
            return false;
        }
    } else if (version == 3) {
        for (size_t i = 1; i < header.size(); ++i) {
            std::string_view f = header[i];
            if (f[0] == 'V' && !parse_u32(f.substr(1), uidvalidity)) return false;
            if (f[0] == 'N' && !parse_u32(f.substr(1), next_uid)) return false;
            if (f[0] == 'G') guid = std::string(f.substr(1));
        }
    } else {
        return false;
    }
    if (uidvalidity == 0) return false;
    size_t pos = nl + 1;
    uint32_t last = 0;
    while (pos < data.size()) {
        size_t end = data.find('\n', pos);
        if (end == std::string_view::npos) break;  // a torn last line (crash mid-append)
        std::string_view line = data.substr(pos, end - pos);
        pos = end + 1;
        size_t sp = line.find(' ');
        UidlistEntry e;
        if (sp == std::string_view::npos || !parse_u32(line.substr(0, sp), e.uid)) continue;
        std::string_view rest = line.substr(sp + 1);
        if (version == 3) {
            // Extension fields, then " :" and the file name.
            size_t colon = rest[0] == ':' ? 0 : rest.find(" :");
            if (colon == std::string_view::npos) continue;
            e.ext = std::string(rest.substr(0, colon));
            e.filename = std::string(rest.substr(colon == 0 ? 1 : colon + 2));
        } else {
            e.filename = std::string(rest);
        }
        if (e.uid <= last || e.filename.empty()) continue;  // must ascend
        last = e.uid;
        entries.push_back(std::move(e));
    }
    if (next_uid <= last) next_uid = last + 1;
    return true;
}

std::string Uidlist::serialize() const {
    std::string out =
        "3 V" + std::to_string(uidvalidity) + " N" + std::to_string(next_uid) + " G" + guid + "\n";
    for (const auto& e : entries) {
        out += std::to_string(e.uid);
        out += ' ';
        if (!e.ext.empty()) {
            out += e.ext;
            out += ' ';
        }
        out += ':';
        out += e.filename;
        out += '\n';
    }
    return out;
}

std::string new_guid_hex() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (int half = 0; half < 2; ++half) {
        uint64_t v = rng();
        for (int i = 0; i < 16; ++i) out += hex[(v >> (i * 4)) & 0xF];
    }
    return out;
}

namespace {

// A lock file is stale when it is old, or when no process holds its flock (Magpie always
// does while it lives: a killed Magpie leaves an unheld lock) and it is more than two
// seconds old (Dovecot, which does not flock its dotlocks, holds them for milliseconds).
bool stale_lock(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return false;
    time_t age = ::time(nullptr) - st.st_mtime;
    if (age > kStaleLockSeconds) return true;
    if (age < 2) return false;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool unheld = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    ::close(fd);
    return unheld;
}

}  // namespace

UidlistLock::UidlistLock(std::string folder_dir) : dir_(std::move(folder_dir)) {
    std::string path = dir_ + "/dovecot-uidlist.lock";
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kLockWaitMillis);
    for (;;) {
        fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd_ >= 0) {
            // The flock marks the lock as ours while this process lives (see stale_lock).
            ::flock(fd_, LOCK_EX | LOCK_NB);
            return;
        }
        if (errno != EEXIST) throw std::system_error(errno, std::generic_category(), path);
        if (stale_lock(path)) {
            ::unlink(path.c_str());  // left by a crashed process
            continue;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            throw std::system_error(EWOULDBLOCK, std::generic_category(), "locked: " + path);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

UidlistLock::~UidlistLock() {
    if (fd_ >= 0) ::close(fd_);
    if (!done_) ::unlink((dir_ + "/dovecot-uidlist.lock").c_str());
}

struct stat UidlistLock::commit(std::string_view contents) {
    fs::write_all(fd_, contents);
    fs::fsync_fd(fd_);
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw std::system_error(errno, std::generic_category(), "fstat");
    std::string lock = dir_ + "/dovecot-uidlist.lock";
    if (::rename(lock.c_str(), (dir_ + "/dovecot-uidlist").c_str()) != 0) {
        throw std::system_error(errno, std::generic_category(), "rename " + lock);
    }
    done_ = true;
    fs::fsync_dir(dir_);
    return st;
}

}  // namespace magpie::mailbox
