// Maildir writer. File names follow the Maildir convention "time.unique.host" with
// Maildir++'s ",S=<size>" (size of the file as stored), see https://cr.yp.to/proto/maildir.html.
// The data goes into an unnamed O_TMPFILE inode in tmp/ and is linked into new/ once it is
// on disk (or, where O_TMPFILE is missing, a named tmp/ file that is linked and unlinked).
// link() fails with EEXIST instead of replacing, so an existing copy is never overwritten.
#include "delivery/maildir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "core/fs.h"
#include "mailbox/maildir_dirs.h"

namespace magpie::delivery {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

// Header values come from a parsed envelope; a stray CR/LF must not start a new header.
void append_clean(std::string& out, std::string_view v) {
    for (char c : v) out += (c == '\r' || c == '\n' || c == '\0') ? ' ' : c;
}

bool dir_has_prefix(const std::string& dir, std::string_view prefix) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return false;
    bool found = false;
    while (dirent* de = ::readdir(d)) {
        if (std::string_view(de->d_name).substr(0, prefix.size()) == prefix) {
            found = true;
            break;
        }
    }
    ::closedir(d);
    return found;
}

// Copies `len` bytes at `off` of `src` to the current position of `dst`, in the kernel
// where possible (copy_file_range, then sendfile), never holding the message in memory.
void copy_range(int src, int64_t off, int dst, int64_t len) {
    auto in_off = static_cast<off_t>(off);
    bool try_cfr = true, try_sendfile = true;
    while (len > 0) {
        ssize_t n = -1;
        if (try_cfr) {
            n = ::copy_file_range(src, &in_off, dst, nullptr, static_cast<size_t>(len), 0);
            if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                          errno == EOPNOTSUPP || errno == EBADF)) {
                try_cfr = false;
                continue;
            }
        } else if (try_sendfile) {
            n = ::sendfile(dst, src, &in_off, static_cast<size_t>(len));
            if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
                try_sendfile = false;
                continue;
            }
        } else {
            char buf[65536];
            n = ::pread(src, buf, std::min<int64_t>(len, sizeof buf), in_off);
            if (n > 0) {
                fs::write_all(dst, std::string_view(buf, static_cast<size_t>(n)));
                in_off += n;
            }
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("copy message");
        }
        if (n == 0) {
            errno = EIO;
            fail("copy message: queue file shorter than its envelope says");
        }
        len -= n;
    }
}

// Whether an insertion is spliced in: it must lie within the message bytes.
bool spliced(const MaildirMessage& m) {
    return m.insertion && m.insertion->at <= static_cast<uint64_t>(m.size);
}

bool proc_fd_available() {
    static const bool ok = ::access("/proc/self/fd", X_OK) == 0;
    return ok;
}

// Creates root, its parents and tmp/ new/ cur/, and makes the new entries durable.
void create_maildir(const std::string& root) {
    fs::make_dirs(root, 0700);
    mailbox::make_maildir_dirs(root);
    ::chmod(root.c_str(), 0700);
    // root, data_dir/mail and data_dir may all be new: sync the entries of each.
    std::string dir = root;
    for (int level = 0; level < 3 && !dir.empty(); ++level) {
        fs::fsync_dir(dir);
        size_t slash = dir.rfind('/');
        dir = slash == std::string::npos || slash == 0 ? "" : dir.substr(0, slash);
    }
}

}  // namespace

std::string maildir_unique_prefix(int64_t arrival, size_t target_index, std::string_view queue_id) {
    return std::to_string(arrival) + ".M" + std::to_string(target_index) + "Q" +
           std::string(queue_id) + ".";
}

std::string maildir_header(const MaildirMessage& m) {
    // RFC 5321 §4.4: the final delivery adds Return-Path with the envelope sender.
    std::string header = "Return-Path: <";
    append_clean(header, m.sender);
    header += ">\r\nDelivered-To: ";
    append_clean(header, m.recipient);
    header += "\r\n";
    if (m.headers) {
        for (const auto& h : *m.headers) {
            append_clean(header, h);
            header += "\r\n";
        }
    }
    return header;
}

uint64_t maildir_file_size(const MaildirMessage& m) {
    uint64_t n = maildir_header(m).size() + static_cast<uint64_t>(m.size);
    return spliced(m) ? n + m.insertion->text.size() : n;
}

std::string maildir_new_dir(const std::string& root) {
    return root + "/new";
}

bool maildir_contains(const std::string& root, std::string_view prefix) {
    return dir_has_prefix(root + "/new", prefix) || dir_has_prefix(root + "/cur", prefix);
}

ExistingCopies::ExistingCopies(std::unordered_set<std::string> queue_ids)
    : ids_(std::move(queue_ids)) {}

bool ExistingCopies::contains(const std::string& root, std::string_view queue_id,
                              std::string_view prefix) {
    if (!ids_.count(std::string(queue_id))) return maildir_contains(root, prefix);
    std::lock_guard lock(mu_);
    auto [it, fresh] = found_.try_emplace(root);
    if (fresh) {
        for (const char* sub : {"/new", "/cur"}) {
            DIR* d = ::opendir((root + sub).c_str());
            if (!d) continue;
            while (dirent* de = ::readdir(d)) {
                // "<arrival>.M<target>Q<queue id>.<host>..." (see maildir_unique_prefix)
                std::string_view name = de->d_name;
                size_t q = name.find('Q'), dot = name.find('.', q);
                if (q == std::string_view::npos || dot == std::string_view::npos) continue;
                if (ids_.count(std::string(name.substr(q + 1, dot - q - 1)))) {
                    it->second.emplace(name.substr(0, dot + 1));
                }
            }
            ::closedir(d);
        }
    }
    return it->second.count(std::string(prefix)) > 0;
}

MaildirWriter::MaildirWriter(std::string_view hostname) : host_(escape_maildir_host(hostname)) {}

MaildirResult MaildirWriter::deliver(const std::string& root, const MaildirMessage& m,
                                     bool check_existing, ExistingCopies* index) {
    std::string prefix = maildir_unique_prefix(m.arrival, m.target_index, m.queue_id);
    if (check_existing &&
        (index ? index->contains(root, m.queue_id, prefix) : maildir_contains(root, prefix))) {
        return MaildirResult::AlreadyPresent;
    }

    std::string header = maildir_header(m);
    std::string name = prefix + host_ + ",S=" + std::to_string(maildir_file_size(m));
    std::string tmp_dir = root + "/tmp";
    std::string new_path = maildir_new_dir(root) + "/" + name;

    bool unnamed = proc_fd_available();
    std::string tmp_path;
    int fd = -1;
    for (int attempt = 0; attempt < 2 && fd < 0; ++attempt) {
        if (unnamed) {
            fd = ::open(tmp_dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
            if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
                unnamed = false;
            }
        }
        if (!unnamed) {
            tmp_path = tmp_dir + "/" + name;
            ::unlink(tmp_path.c_str());  // left by a crash before its link
            fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        }
        if (fd < 0 && errno == ENOENT && attempt == 0) create_maildir(root);
    }
    if (fd < 0) fail("create in " + tmp_dir);

    auto cleanup = [&] {
        ::close(fd);
        if (!tmp_path.empty()) ::unlink(tmp_path.c_str());
    };
    MaildirResult result = MaildirResult::Delivered;
    try {
        fs::write_all(fd, header);
        if (spliced(m)) {
            auto at = static_cast<int64_t>(m.insertion->at);
            copy_range(m.source_fd, m.offset, fd, at);
            fs::write_all(fd, m.insertion->text);
            copy_range(m.source_fd, m.offset + at, fd, m.size - at);
        } else {
            copy_range(m.source_fd, m.offset, fd, m.size);
        }
        fs::fsync_fd(fd);
        int rc;
        if (unnamed) {
            std::string proc = "/proc/self/fd/" + std::to_string(fd);
            rc = ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, new_path.c_str(), AT_SYMLINK_FOLLOW);
        } else {
            rc = ::link(tmp_path.c_str(), new_path.c_str());
        }
        if (rc != 0 && errno == ENOENT) {
            create_maildir(root);  // new/ removed or never made while tmp/ existed
            rc = unnamed ? ::linkat(AT_FDCWD, ("/proc/self/fd/" + std::to_string(fd)).c_str(),
                                    AT_FDCWD, new_path.c_str(), AT_SYMLINK_FOLLOW)
                         : ::link(tmp_path.c_str(), new_path.c_str());
        }
        if (rc != 0) {
            if (errno != EEXIST) fail("link " + new_path);
            result = MaildirResult::AlreadyPresent;
        }
    } catch (...) {
        cleanup();
        throw;
    }
    cleanup();
    return result;
}

}  // namespace magpie::delivery
