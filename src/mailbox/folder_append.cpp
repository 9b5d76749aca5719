// Folder: writing messages — APPEND and the target side of COPY/MOVE (see folder.h).
// A message is written to tmp/, fsync'd, given its internal date as mtime, and renamed into
// cur/ with its flags; only then does it get a UID. A crash before the rename leaves a
// tmp/ file (Maildir readers ignore tmp/; it is removed after 36 hours by convention); a
// crash after it leaves a file without a UID, numbered by the next sync.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <system_error>

#include "core/fs.h"
#include "mailbox/flags.h"
#include "mailbox/folder.h"

namespace magpie::mailbox {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

std::atomic<uint64_t> g_counter{0};

// The size `data` has when every bare LF is sent as CRLF, as FETCH sends it: RFC822.SIZE
// must equal the bytes of BODY[] (RFC 9051 §7.5.2).
uint64_t crlf_size(std::string_view data) {
    uint64_t n = data.size();
    for (size_t i = 0; i < data.size(); ++i)
        if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) ++n;
    return n;
}

}  // namespace

// "<secs>.M<usecs>P<pid>Q<counter>.<host>,S=<size>[,W=<vsize>]" — unique per process by the
// counter; W= as Dovecot writes it, only when bare LFs make it differ.
std::string Folder::unique_base(uint64_t size, uint64_t vsize) {
    using namespace std::chrono;
    auto now = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    return std::to_string(now / 1000000) + ".M" + std::to_string(now % 1000000) + "P" +
           std::to_string(::getpid()) + "Q" + std::to_string(++g_counter) + "." +
           escape_maildir_host(host_) + ",S=" + std::to_string(size) +
           (vsize != size ? ",W=" + std::to_string(vsize) : std::string());
}

uint32_t Folder::append(const AppendRequest& req) {
    std::lock_guard lock(mu_);
    ensure_loaded();
    bool in_sync = cur_in_sync();
    int64_t idate = req.internal_date ? req.internal_date : ::time(nullptr);
    std::string base = unique_base(req.data.size(), crlf_size(req.data));
    std::string tmp = dir_ + "/tmp/" + base;
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) fail("create " + tmp);
    try {
        fs::write_all(fd, req.data);
        fs::fsync_fd(fd);
        // RFC 9051 §6.3.12: the internal date, kept as mtime as Dovecot does.
        timespec times[2] = {{idate, 0}, {idate, 0}};
        ::futimens(fd, times);
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    ::close(fd);
    std::string name = make_maildir_name(base, req.flags, keyword_bits(req.keywords));
    if (::rename(tmp.c_str(), (dir_ + "/cur/" + name).c_str()) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        errno = e;
        fail("rename " + tmp);
    }
    fs::fsync_dir(dir_ + "/cur");
    cur_changed_by_us(in_sync);
    if (usage_) usage_->add(static_cast<int64_t>(req.data.size()), 1);
    uint32_t uid = update_uidlist({name}, {}).at(0);
    IndexRecord rec;
    rec.uid = uid;
    rec.filename = name;
    rec.size = req.data.size();
    rec.internal_date = idate;
    rec.save_date = ::time(nullptr);
    rec.modseq = ++idx_.highest_modseq;
    insert_record(std::move(rec));
    add_unclaimed_recent(uid);
    save_index();
    return uid;
}

void Folder::add_unclaimed_recent(uint32_t uid) {
    // A folder appended to that no session ever selects keeps the newest ones only.
    constexpr size_t kMaxUnclaimed = 100000;
    if (unclaimed_recent_.size() >= kMaxUnclaimed)
        unclaimed_recent_.erase(unclaimed_recent_.begin(),
                                unclaimed_recent_.begin() + kMaxUnclaimed / 2);
    unclaimed_recent_.push_back(uid);
}

std::vector<uint32_t> Folder::claim_recent(uint32_t up_to, bool take) {
    std::lock_guard lock(mu_);
    std::vector<uint32_t> out;
    std::erase_if(unclaimed_recent_, [&](uint32_t uid) {
        if (uid > up_to) return false;
        out.push_back(uid);
        return take;
    });
    return out;
}

std::vector<CopySource> Folder::copy_sources(const std::vector<uint32_t>& uids) {
    std::lock_guard lock(mu_);
    ensure_loaded();
    std::vector<CopySource> out;
    for (uint32_t uid : uids) {
        IndexRecord* r = find_record(uid);
        if (!r) continue;
        MaildirName n = parse_maildir_name(r->filename);
        out.push_back(
            {uid, path_of(*r), n.flags, keywords_.names_of(n.keywords), r->size, r->internal_date});
    }
    return out;
}

std::vector<std::pair<uint32_t, uint32_t>> Folder::add_copies(const std::vector<CopySource>& src) {
    std::lock_guard lock(mu_);
    ensure_loaded();
    std::vector<std::pair<uint32_t, uint32_t>> mapping;
    std::vector<std::string> names;
    std::vector<const CopySource*> done;
    bool in_sync = cur_in_sync();
    for (const auto& s : src) {
        std::string_view src_base = std::string_view(s.path).substr(s.path.rfind('/') + 1);
        uint64_t vsize = vsize_from_name(src_base.substr(0, src_base.find(':'))).value_or(s.size);
        std::string name =
            make_maildir_name(unique_base(s.size, vsize), s.flags, keyword_bits(s.keywords));
        std::string to = dir_ + "/cur/" + name;
        if (::link(s.path.c_str(), to.c_str()) != 0) {
            if (errno == ENOENT) continue;  // expunged meanwhile
            // EXDEV, EPERM, EMLINK: copy the bytes through tmp/ instead.
            std::string data;
            try {
                data = fs::read_file(s.path);
            } catch (const std::system_error&) {
                continue;
            }
            std::string tmp = dir_ + "/tmp/" + name;
            int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd < 0) fail("create " + tmp);
            try {
                fs::write_all(fd, data);
                fs::fsync_fd(fd);
                int64_t date = s.internal_date;
                struct stat st {};
                if (date == kDateUnknown) {
                    date = ::stat(s.path.c_str(), &st) == 0 ? st.st_mtime : ::time(nullptr);
                }
                timespec times[2] = {{date, 0}, {date, 0}};
                ::futimens(fd, times);
            } catch (...) {
                ::close(fd);
                ::unlink(tmp.c_str());
                throw;
            }
            ::close(fd);
            if (::rename(tmp.c_str(), to.c_str()) != 0) fail("rename " + tmp);
        }
        names.push_back(name);
        done.push_back(&s);
    }
    if (names.empty()) return mapping;
    fs::fsync_dir(dir_ + "/cur");
    cur_changed_by_us(in_sync);
    if (usage_) {
        uint64_t bytes = 0;
        for (const auto* s : done) bytes += s->size;
        usage_->add(static_cast<int64_t>(bytes), static_cast<int64_t>(done.size()));
    }
    std::vector<uint32_t> uids = update_uidlist(names, {});
    for (size_t i = 0; i < names.size(); ++i) {
        IndexRecord rec;
        rec.uid = uids[i];
        rec.filename = names[i];
        rec.size = done[i]->size;
        // A hard link shares the source's mtime: an unknown date is read when first needed.
        rec.internal_date = done[i]->internal_date;
        rec.save_date = ::time(nullptr);
        rec.modseq = ++idx_.highest_modseq;
        insert_record(std::move(rec));
        add_unclaimed_recent(uids[i]);
        mapping.emplace_back(done[i]->uid, uids[i]);
    }
    save_index();
    return mapping;
}

std::vector<std::pair<uint32_t, uint32_t>> copy_messages(Folder& from, Folder& to,
                                                         const std::vector<uint32_t>& uids,
                                                         bool move) {
    auto mapping = to.add_copies(from.copy_sources(uids));
    if (move && !mapping.empty()) {
        std::vector<uint32_t> moved;
        for (const auto& [src, dst] : mapping) moved.push_back(src);
        from.expunge_uids(moved);
    }
    return mapping;
}

}  // namespace magpie::mailbox
