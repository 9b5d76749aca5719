// Folder: loading, sync, listing, flags and expunge (see folder.h, docs/mailbox-store.md).
#include "mailbox/folder.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <optional>
#include <system_error>
#include <unordered_set>

#include "core/fs.h"
#include "mailbox/flags.h"
#include "mailbox/maildir_dirs.h"
#include "mailbox/uidvalidity.h"

namespace magpie::mailbox {
namespace {

struct DirEntry {
    std::string name;
    bool in_new = false;
};

void scan_dir(const std::string& dir, bool in_new, std::vector<DirEntry>& out) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    while (dirent* de = ::readdir(d)) {
        if (de->d_name[0] == '.') continue;
        out.push_back({de->d_name, in_new});
    }
    ::closedir(d);
}

// Whether new/ or cur/ holds any file (stops at the first one).
bool has_messages(const std::string& dir) {
    for (const char* sub : {"/new", "/cur"}) {
        DIR* d = ::opendir((dir + sub).c_str());
        if (!d) continue;
        bool any = false;
        while (dirent* de = ::readdir(d)) {
            if (de->d_name[0] != '.') {
                any = true;
                break;
            }
        }
        ::closedir(d);
        if (any) return true;
    }
    return false;
}

// new/ first: a file moved new/ -> cur/ between the two reads is then seen twice, never
// missed; the cur/ entry wins.
std::vector<DirEntry> scan_maildir(const std::string& dir, bool new_dir, bool cur_dir) {
    std::vector<DirEntry> out;
    if (new_dir) scan_dir(dir + "/new", true, out);
    if (cur_dir) scan_dir(dir + "/cur", false, out);
    return out;
}

// A fresh index starts its modseqs at the clock in microseconds, so a rebuilt index never
// hands out a modseq lower than one a client saw before (RFC 7162 §3.1.1).
uint64_t modseq_base() {
    using namespace std::chrono;
    return static_cast<uint64_t>(
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

int64_t steady_ns() {
    using namespace std::chrono;
    return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

constexpr int64_t kIndexWriteIntervalNs = kIndexWriteIntervalMs * 1000000LL;

}  // namespace

Folder::Folder(std::string dir, std::string hostname, std::shared_ptr<UsageCache> usage)
    : dir_(std::move(dir)),
      host_(std::move(hostname)),
      usage_(std::move(usage)),
      cache_(dir_ + "/magpie-cache") {}

Folder::~Folder() {
    try {
        if (loaded_ && (index_dirty_ || idx_.modseq_reserved != idx_.highest_modseq)) {
            idx_.modseq_reserved = idx_.highest_modseq;
            write_index(dir_ + "/magpie-index", idx_, true);
        }
    } catch (const std::exception&) {
    }
    try {
        if (loaded_) cache_.flush();
    } catch (const std::exception&) {
    }
}

void Folder::ensure_loaded() {
    if (!loaded_) sync_locked(false);
}

void Folder::rebuild_base_map() {
    uid_by_base_.clear();
    uid_by_base_.reserve(uidlist_.entries.size());
    for (const auto& e : uidlist_.entries) uid_by_base_[std::string(base_of(e.filename))] = e.uid;
}

void Folder::reload_uidlist_if_changed() {
    std::string path = dir_ + "/dovecot-uidlist";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        uidlist_stat_ = {};
        return;
    }
    stat_key key{st.st_ino, st.st_size, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec};
    if (key == uidlist_stat_) return;
    Uidlist fresh;
    std::string data;
    try {
        data = fs::read_file(path);
    } catch (const std::exception&) {
        return;
    }
    if (!fresh.parse(data)) return;
    if (fresh.uidvalidity != uidlist_.uidvalidity) {
        idx_ = IndexData{};  // another process renumbered: nothing cached is valid
        idx_.uidvalidity = fresh.uidvalidity;
        idx_.highest_modseq = idx_.expunge_floor = modseq_base();
        // A fresh index needs no durable reservation: lost, it is rebuilt from the clock
        // again, which is above every modseq handed out (they step by one per change).
        idx_.modseq_reserved = idx_.highest_modseq + kModseqReserve;
        if (loaded_) cache_.reset(fresh.uidvalidity);
        touch();
    }
    uidlist_ = std::move(fresh);
    uidlist_stat_ = key;
    rebuild_base_map();
}

void Folder::load() {
    make_maildir_dirs(dir_);
    keywords_.load(dir_ + "/dovecot-keywords");
    auto index = read_index(dir_ + "/magpie-index");
    reload_uidlist_if_changed();
    if (uidlist_.uidvalidity == 0) {
        // No usable uidlist. The index, when intact, still knows every UID: keep them.
        Uidlist u;
        u.guid = new_guid_hex();
        if (index && index->uidvalidity != 0) {
            u.uidvalidity = index->uidvalidity;
            for (const auto& r : index->records) u.entries.push_back({r.uid, "", r.filename});
            u.next_uid = u.entries.empty() ? 1 : u.entries.back().uid + 1;
        } else {
            // UIDs are truly lost: a new UIDVALIDITY (RFC 9051 §2.3.1.1). A folder that
            // has messages already had one, at most "now": take the next second.
            u.uidvalidity = static_cast<uint32_t>(::time(nullptr));
            if (has_messages(dir_)) ++u.uidvalidity;
            if (index && index->uidvalidity >= u.uidvalidity) {
                u.uidvalidity = index->uidvalidity + 1;
            }
            // Never one this user's Maildir gave before (a folder re-created this second).
            u.uidvalidity = next_uidvalidity(maildir_root_of(dir_), u.uidvalidity);
        }
        // Written by the sync that follows (with the UIDs of the files it finds), under
        // the lock; until then nothing has been handed out.
        uidlist_ = std::move(u);
        uidlist_stat_ = {};
        uidlist_unsaved_ = true;
        rebuild_base_map();
    }
    if (index && index->uidvalidity == uidlist_.uidvalidity) {
        idx_ = std::move(*index);
        // The index may be older than the last changes (it is not fsync'd each time): go
        // past every modseq that may have been handed out since its last durable write.
        idx_.highest_modseq = std::max(idx_.highest_modseq, idx_.modseq_reserved);
        // Keep only records whose UID still names the same file in the uidlist; the others
        // were expunged after this index was written, and VANISHED must report them.
        std::vector<uint32_t> dropped;
        std::erase_if(idx_.records, [&](const IndexRecord& r) {
            auto it = uid_by_base_.find(base_of(r.filename));
            bool gone = it == uid_by_base_.end() || it->second != r.uid;
            if (gone) dropped.push_back(r.uid);
            return gone;
        });
        for (uint32_t uid : dropped) record_expunge(uid);
        if (!dropped.empty()) touch_shape();
    } else {
        idx_ = IndexData{};
        idx_.uidvalidity = uidlist_.uidvalidity;
        idx_.highest_modseq = idx_.expunge_floor = modseq_base();
        idx_.modseq_reserved = idx_.highest_modseq + kModseqReserve;  // see above
        touch();
    }
    cache_.load(uidlist_.uidvalidity);
    // The first write waits like any other: a first SELECT of a big folder does not pay
    // for an index it has just built.
    index_saved_ns_ = steady_ns();
    loaded_ = true;
}

IndexRecord* Folder::find_record(uint32_t uid) {
    auto it = std::lower_bound(idx_.records.begin(), idx_.records.end(), uid,
                               [](const IndexRecord& r, uint32_t u) { return r.uid < u; });
    return it != idx_.records.end() && it->uid == uid ? &*it : nullptr;
}

void Folder::insert_record(IndexRecord rec) {
    maybe_in_new_ |= rec.in_new;
    touch_shape();
    touch_record(rec.uid);
    auto it = std::lower_bound(idx_.records.begin(), idx_.records.end(), rec.uid,
                               [](const IndexRecord& r, uint32_t u) { return r.uid < u; });
    if (it != idx_.records.end() && it->uid == rec.uid) {
        *it = std::move(rec);
    } else {
        idx_.records.insert(it, std::move(rec));
    }
}

void Folder::record_expunge(uint32_t uid) {
    idx_.expunged.push_back({uid, ++idx_.highest_modseq});
    if (idx_.expunged.size() > kMaxExpungedTracked) {
        size_t drop = idx_.expunged.size() - kMaxExpungedTracked;
        idx_.expunge_floor = idx_.expunged[drop - 1].modseq;
        idx_.expunged.erase(idx_.expunged.begin(), idx_.expunged.begin() + drop);
    }
}

std::vector<uint32_t> Folder::update_uidlist(const std::vector<std::string>& add,
                                             const std::vector<uint32_t>& remove) {
    UidlistLock lock(dir_);
    reload_uidlist_if_changed();  // another process may have written it meanwhile
    uidlist_unsaved_ = false;
    std::vector<uint32_t> uids;
    uids.reserve(add.size());
    uid_by_base_.reserve(uid_by_base_.size() + add.size());
    uidlist_.entries.reserve(uidlist_.entries.size() + add.size());
    if (!remove.empty()) {
        std::unordered_set<uint32_t> gone(remove.begin(), remove.end());
        std::erase_if(uidlist_.entries, [&](const UidlistEntry& e) { return gone.count(e.uid); });
    }
    for (const auto& name : add) {
        auto it = uid_by_base_.find(base_of(name));
        if (it != uid_by_base_.end()) {
            uids.push_back(it->second);  // numbered by the other process
            continue;
        }
        uint32_t uid = uidlist_.next_uid++;
        uidlist_.entries.push_back({uid, "", name});
        uid_by_base_[std::string(base_of(name))] = uid;
        uids.push_back(uid);
    }
    if (uidlist_.guid.empty()) uidlist_.guid = new_guid_hex();
    struct stat st = lock.commit(uidlist_.serialize());
    // What was written is what uidlist_ holds: no need to read it back.
    uidlist_stat_ = {st.st_ino, st.st_size, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec};
    return uids;
}

// The index is a cache of what the Maildir and the uidlist say, except for modseqs, which
// must never go backwards (RFC 7162 §3.1.1). So it is replaced without fsync, at most once
// per kIndexWriteIntervalMs, unless modseqs passed the reserved value of the last durable
// write: then a durable write reserves kModseqReserve more before any of them is seen. A
// crash leaves an older index, whose reservation is above every modseq handed out.
void Folder::save_index(bool now) {
    if (!index_dirty_) return;
    bool durable = idx_.highest_modseq > idx_.modseq_reserved;
    int64_t t = steady_ns();
    if (!durable && !now && t - index_saved_ns_ < kIndexWriteIntervalNs) return;
    if (durable) idx_.modseq_reserved = idx_.highest_modseq + kModseqReserve;
    write_index(dir_ + "/magpie-index", idx_, durable);
    index_dirty_ = false;
    index_saved_ns_ = t;
}

void Folder::flush_cache_if_due() {
    int64_t t = steady_ns();
    if (cache_.unflushed_bytes() < kCacheFlushBytes &&
        t - cache_flushed_ns_ < kIndexWriteIntervalNs) {
        return;
    }
    cache_.flush();
    cache_flushed_ns_ = t;
}

uint64_t Folder::name_hash_of(uint32_t uid) {
    IndexRecord* r = find_record(uid);
    return r ? cache_name_hash(base_of(r->filename)) : 0;
}

std::string Folder::path_of(const IndexRecord& r) const {
    return dir_ + (r.in_new ? "/new/" : "/cur/") + r.filename;
}

MessageInfo Folder::info_of(const IndexRecord& r) const {
    MaildirName n = parse_maildir_name(r.filename);
    MessageInfo m;
    m.uid = r.uid;
    m.flags = n.flags;
    m.keywords = keywords_.names_of(n.keywords);
    m.size = r.size;
    m.internal_date = r.internal_date;
    m.save_date = r.save_date;
    m.modseq = r.modseq;
    m.in_new = r.in_new;
    m.path = path_of(r);
    return m;
}

SyncResult Folder::sync(bool see_new) {
    std::lock_guard lock(mu_);
    return sync_locked(see_new);
}

Folder::DirsKey Folder::dirs_key() const {
    DirsKey k;
    struct stat st {};
    time_t now = ::time(nullptr);
    for (int i = 0; i < 2; ++i) {
        std::string p = dir_ + (i == 0 ? "/new" : "/cur");
        if (::stat(p.c_str(), &st) != 0) return {};
        k.mtime_ns[i] = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
        k.stable[i] = st.st_mtim.tv_sec + 1 < now;
    }
    k.ok = true;
    return k;
}

bool Folder::cur_in_sync() const {
    DirsKey k = dirs_key();
    return k.ok && scanned_.ok && k.mtime_ns[1] == scanned_.mtime_ns[1];
}

void Folder::cur_changed_by_us(bool was_in_sync) {
    if (!was_in_sync) return;  // someone else's change is pending: the next sync scans
    DirsKey k = dirs_key();
    if (!k.ok) return;
    scanned_.mtime_ns[1] = k.mtime_ns[1];
    scanned_.stable[1] = false;
    cur_own_ = true;
}

SyncResult Folder::sync_locked(bool see_new) {
    if (!loaded_) load();
    SyncResult res;
    auto uidlist_before = uidlist_stat_;
    reload_uidlist_if_changed();
    DirsKey key = dirs_key();
    bool full = !key.ok || !scanned_.ok || uidlist_before != uidlist_stat_;
    bool scan_new = full || key.mtime_ns[0] != scanned_.mtime_ns[0] || !scanned_.stable[0];
    bool scan_cur = full || key.mtime_ns[1] != scanned_.mtime_ns[1] ||
                    !(scanned_.stable[1] || (cur_own_ && !key.stable[1]));
    if (see_new && !scan_new && maybe_in_new_) {
        for (auto& r : idx_.records) scan_new |= r.in_new;
        maybe_in_new_ = scan_new;
    }
    if (!scan_new && !scan_cur) return res;

    std::vector<char> seen;
    std::vector<DirEntry> fresh;       // not in the uidlist
    std::vector<IndexRecord> rebuilt;  // in the uidlist, not in the index
    auto visit = [&](const DirEntry& f) {
        auto it = uid_by_base_.find(base_of(f.name));
        if (it == uid_by_base_.end()) {
            fresh.push_back(f);
            return;
        }
        IndexRecord* r = find_record(it->second);
        if (!r) {
            IndexRecord rec;
            rec.uid = it->second;
            rec.filename = f.name;
            rec.in_new = f.in_new;
            rebuilt.push_back(std::move(rec));
            return;
        }
        seen[r - idx_.records.data()] = 1;
        if (r->filename == f.name && r->in_new == f.in_new) return;
        MaildirName before = parse_maildir_name(r->filename), after = parse_maildir_name(f.name);
        r->filename = f.name;
        r->in_new = f.in_new;
        maybe_in_new_ |= f.in_new;
        touch_record(r->uid);
        if (before.flags != after.flags || before.keywords != after.keywords) {
            r->modseq = ++idx_.highest_modseq;
            res.flags_changed.push_back(r->uid);
        }
    };
    for (;;) {
        if (scan_new) scanned_.mtime_ns[0] = key.mtime_ns[0], scanned_.stable[0] = key.stable[0];
        if (scan_cur) {
            scanned_.mtime_ns[1] = key.mtime_ns[1];
            scanned_.stable[1] = key.stable[1];
            cur_own_ = false;
        }
        scanned_.ok = key.ok;
        std::vector<DirEntry> files = scan_maildir(dir_, scan_new, scan_cur);
        // Records in a directory not read this time are where they were.
        seen.assign(idx_.records.size(), 0);
        for (size_t i = 0; i < idx_.records.size(); ++i) {
            if (idx_.records[i].in_new ? !scan_new : !scan_cur) seen[i] = 1;
        }
        fresh.clear();
        rebuilt.clear();
        for (const auto& f : files) visit(f);
        bool missing = std::count(seen.begin(), seen.end(), 0) > 0;
        if (missing && !(scan_new && scan_cur)) {
            // Moved between new/ and cur/ by someone else, or gone: read both.
            scan_new = scan_cur = true;
            continue;
        }
        break;
    }

    // Records without a file: expunged by someone else, or renamed while we read the
    // directories. Read once more before believing it.
    if (std::count(seen.begin(), seen.end(), 0) > 0) {
        std::vector<DirEntry> again = scan_maildir(dir_, true, true);
        size_t before_fresh = fresh.size(), before_rebuilt = rebuilt.size();
        for (const auto& f : again) {
            auto it = uid_by_base_.find(base_of(f.name));
            if (it == uid_by_base_.end()) continue;
            if (IndexRecord* r = find_record(it->second); r && !seen[r - idx_.records.data()]) {
                visit(f);
            }
        }
        fresh.resize(before_fresh);
        rebuilt.resize(before_rebuilt);
    }
    std::vector<uint32_t> gone;
    for (size_t i = 0; i < seen.size(); ++i) {
        if (!seen[i]) gone.push_back(idx_.records[i].uid);
    }
    if (!gone.empty()) {
        std::unordered_set<uint32_t> g(gone.begin(), gone.end());
        std::erase_if(idx_.records, [&](const IndexRecord& r) { return g.count(r.uid) > 0; });
        for (uint32_t uid : gone) record_expunge(uid);
        cache_.forget(gone);
        res.expunged = gone;
        touch_shape();
    }

    // Files with a UID but no index record (index lost or behind), and new files: the size
    // comes from the name (S=) when it is there; dates are read when first asked for.
    auto fill = [&](IndexRecord& rec, int64_t save_date) {
        auto sz = size_from_name(base_of(rec.filename));
        rec.size = sz ? *sz : 0;
        rec.internal_date = kDateUnknown;
        rec.save_date = save_date;
        rec.modseq = ++idx_.highest_modseq;
        return !sz;
    };
    std::vector<uint32_t> unsized;
    for (auto& rec : rebuilt) {
        if (fill(rec, kDateUnknown)) unsized.push_back(rec.uid);
        res.added.push_back(rec.uid);
        insert_record(std::move(rec));
    }

    // New files: UIDs in name order (Maildir names start with the delivery time).
    std::unordered_set<std::string_view> dup;
    dup.reserve(fresh.size());
    std::vector<DirEntry> unique;
    unique.reserve(fresh.size());
    for (auto& f : fresh) {
        if (dup.insert(base_of(f.name)).second) unique.push_back(std::move(f));
    }
    std::sort(unique.begin(), unique.end(),
              [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    std::vector<uint32_t> stale;  // uidlist lines whose file is gone
    if (!gone.empty()) stale = gone;
    if (!unique.empty() || !stale.empty()) {
        std::vector<std::string> names;
        for (const auto& f : unique) names.push_back(f.name);
        std::vector<uint32_t> uids = update_uidlist(names, stale);
        for (size_t i = 0; i < unique.size(); ++i) {
            IndexRecord rec;
            rec.uid = uids[i];
            rec.filename = unique[i].name;
            rec.in_new = unique[i].in_new;
            if (fill(rec, ::time(nullptr))) unsized.push_back(rec.uid);
            res.added.push_back(rec.uid);
            insert_record(std::move(rec));
        }
    }
    if (uidlist_unsaved_) update_uidlist({}, {});  // a new folder's first uidlist
    std::sort(res.added.begin(), res.added.end());
    if (!unsized.empty()) {
        std::vector<IndexRecord*> recs;
        for (uint32_t uid : unsized) recs.push_back(find_record(uid));
        stat_records(recs);
    }

    if (see_new) {
        // Seen by a session: move to cur/ with an info part (Dovecot appends ":2,").
        bool in_sync = cur_in_sync();
        bool moved = false;
        for (auto& r : idx_.records) {
            if (!r.in_new) continue;
            MaildirName n = parse_maildir_name(r.filename);
            std::string to = make_maildir_name(n.base, n.flags, n.keywords);
            std::string from_path = path_of(r);
            if (::rename(from_path.c_str(), (dir_ + "/cur/" + to).c_str()) != 0) continue;
            r.filename = to;
            r.in_new = false;
            res.recent.push_back(r.uid);
            touch_record(r.uid);
            moved = true;
        }
        if (moved) cur_changed_by_us(in_sync);
    }
    save_index();
    return res;
}

std::shared_ptr<const Snapshot> Folder::snapshot() {
    std::lock_guard lock(mu_);
    ensure_loaded();
    return snapshot_locked();
}

std::shared_ptr<const Snapshot> Folder::snapshot_locked() {
    if (snap_) return snap_;
    auto s = std::make_shared<Snapshot>();
    const auto& recs = idx_.records;
    if (last_snap_ && !snap_full_) {
        // From the last snapshot: the leading entries whose records are still in the same
        // places are shared (patched where changed in place); after them, unchanged
        // entries are copied and only changed or new records are turned into entries.
        const MessageList& old = last_snap_->messages;
        std::sort(snap_changed_.begin(), snap_changed_.end());
        snap_changed_.erase(std::unique(snap_changed_.begin(), snap_changed_.end()),
                            snap_changed_.end());
        auto changed = [&](uint32_t uid) {
            return std::binary_search(snap_changed_.begin(), snap_changed_.end(), uid);
        };
        size_t p = 0;
        if (!snap_shape_ && old.size() == recs.size()) {
            p = recs.size();
        } else {
            size_t n = std::min(old.size(), recs.size());
            while (p < n && old[p].uid == recs[p].uid) ++p;
        }
        s->messages = old.prefix(p);
        for (uint32_t uid : snap_changed_) {
            auto it = std::lower_bound(recs.begin(), recs.end(), uid,
                                       [](const IndexRecord& r, uint32_t u) { return r.uid < u; });
            auto i = static_cast<size_t>(it - recs.begin());
            if (i < p && it->uid == uid) s->messages.at(i) = info_of(*it);
        }
        size_t j = p;
        for (size_t k = p; k < recs.size(); ++k) {
            uint32_t uid = recs[k].uid;
            while (j < old.size() && old[j].uid < uid) ++j;
            if (j < old.size() && old[j].uid == uid && !changed(uid))
                s->messages.push_back(old[j]);
            else
                s->messages.push_back(info_of(recs[k]));
        }
    } else {
        for (const auto& r : recs) s->messages.push_back(info_of(r));
    }
    for (const auto& r : recs) {
        if (r.internal_date == kDateUnknown || r.save_date == kDateUnknown) {
            s->dates_known = false;
            break;
        }
    }
    s->highest_modseq = idx_.highest_modseq;
    snap_ = std::move(s);
    last_snap_.reset();
    snap_changed_.clear();
    snap_shape_ = false;
    snap_full_ = false;
    return snap_;
}

std::shared_ptr<const Snapshot> Folder::dated_snapshot() {
    std::lock_guard lock(mu_);
    ensure_loaded();
    if (snap_ && snap_->dates_known) return snap_;
    std::vector<IndexRecord*> recs;
    for (auto& r : idx_.records) {
        if (r.internal_date == kDateUnknown || r.save_date == kDateUnknown) recs.push_back(&r);
    }
    stat_records(recs);
    return snapshot_locked();
}

void Folder::fill_dates(MessageList& msgs) {
    std::lock_guard lock(mu_);
    ensure_loaded();
    std::vector<IndexRecord*> recs;
    for (const auto& m : msgs) {
        if (m.internal_date != kDateUnknown && m.save_date != kDateUnknown) continue;
        IndexRecord* r = find_record(m.uid);
        if (r && (r->internal_date == kDateUnknown || r->save_date == kDateUnknown)) {
            recs.push_back(r);
        }
    }
    stat_records(recs);
    int64_t now = ::time(nullptr);
    for (size_t i = 0; i < msgs.size(); ++i) {
        if (msgs[i].internal_date != kDateUnknown && msgs[i].save_date != kDateUnknown) continue;
        MessageInfo& m = msgs.at(i);
        const IndexRecord* r = find_record(m.uid);
        m.internal_date = r ? r->internal_date : now;
        m.save_date = r ? r->save_date : now;
    }
}

void Folder::stat_records(const std::vector<IndexRecord*>& recs) {
    if (recs.empty()) return;
    // fstatat relative to cur/ and new/, each opened once: no path walk per file.
    struct DirFds {
        int fd[2] = {-1, -1};
        ~DirFds() {
            for (int f : fd)
                if (f >= 0) ::close(f);
        }
    } dfd;
    for (IndexRecord* rec : recs) {
        int& fd = dfd.fd[rec->in_new ? 1 : 0];
        if (fd < 0) {
            fd = ::open((dir_ + (rec->in_new ? "/new" : "/cur")).c_str(),
                        O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        struct stat st {};
        bool ok = fd >= 0 ? ::fstatat(fd, rec->filename.c_str(), &st, 0) == 0
                          : ::stat(path_of(*rec).c_str(), &st) == 0;
        // A file renamed by another process since the last scan keeps its unknown dates
        // until the next sync finds its new name.
        if (!ok) continue;
        if (!size_from_name(base_of(rec->filename))) rec->size = static_cast<uint64_t>(st.st_size);
        if (rec->internal_date == kDateUnknown) rec->internal_date = st.st_mtime;
        if (rec->save_date == kDateUnknown) rec->save_date = st.st_ctime;
        touch_record(rec->uid);
    }
}

std::vector<MessageInfo> Folder::messages() {
    return snapshot()->messages.to_vector();
}

std::optional<MessageInfo> Folder::message(uint32_t uid) {
    std::lock_guard lock(mu_);
    ensure_loaded();
    if (IndexRecord* r = find_record(uid)) return info_of(*r);
    return std::nullopt;
}

std::optional<std::string> Folder::read_message(uint32_t uid) {
    std::lock_guard lock(mu_);
    ensure_loaded();
    for (int attempt = 0; attempt < 2; ++attempt) {
        IndexRecord* r = find_record(uid);
        if (!r) return std::nullopt;
        try {
            return fs::read_file(path_of(*r));
        } catch (const std::system_error& e) {
            if (e.code().value() != ENOENT) throw;
        }
        sync_locked(false);  // renamed by another process: find it again
    }
    return std::nullopt;
}

FolderStatus Folder::status() {
    std::lock_guard lock(mu_);
    sync_locked(false);
    FolderStatus s;
    for (const auto& r : idx_.records) {
        MaildirName n = parse_maildir_name(r.filename);
        ++s.messages;
        if (r.in_new) ++s.recent;
        if (!(n.flags & kSeen)) ++s.unseen;
        if (n.flags & kDeleted) ++s.deleted;
        s.size += r.size;
    }
    for (uint32_t uid : unclaimed_recent_)
        if (find_record(uid)) ++s.recent;
    s.uidnext = uidlist_.next_uid;
    s.uidvalidity = uidlist_.uidvalidity;
    s.highest_modseq = idx_.highest_modseq;
    return s;
}

uint32_t Folder::uidvalidity() {
    std::lock_guard lock(mu_);
    ensure_loaded();
    return uidlist_.uidvalidity;
}

uint32_t Folder::uid_next() {
    std::lock_guard lock(mu_);
    ensure_loaded();
    return uidlist_.next_uid;
}

uint64_t Folder::highest_modseq() {
    std::lock_guard lock(mu_);
    ensure_loaded();
    return idx_.highest_modseq;
}

std::vector<std::string> Folder::keyword_names() {
    std::lock_guard lock(mu_);
    ensure_loaded();
    return keywords_.all();
}

uint32_t Folder::keyword_bits(const std::vector<std::string>& names) {
    bool known = std::all_of(names.begin(), names.end(),
                             [&](const std::string& k) { return keywords_.find(k).has_value(); });
    std::optional<UidlistLock> lock;
    if (!known) {
        // New letters are given under dovecot-uidlist.lock, as Dovecot does, after reading
        // the file again: another process may have given some meanwhile.
        lock.emplace(dir_);
        keywords_.load(dir_ + "/dovecot-keywords");
    }
    uint32_t bits = 0;
    bool added = false;
    for (const auto& k : names) {
        if (auto i = keywords_.intern(k, &added)) bits |= 1u << *i;
    }
    // The mapping must be on disk before any file name uses a new letter.
    if (added) keywords_.save(dir_ + "/dovecot-keywords");
    return bits;
}

std::vector<uint32_t> Folder::store_flags(const std::vector<uint32_t>& uids, FlagOp op,
                                          uint32_t flags, const std::vector<std::string>& kw,
                                          std::optional<uint64_t> unchanged_since,
                                          std::vector<uint32_t>* modified) {
    std::lock_guard lock(mu_);
    ensure_loaded();
    uint32_t kbits = op == FlagOp::Remove ? 0 : keyword_bits(kw);
    if (op == FlagOp::Remove) {
        for (const auto& k : kw) {
            if (auto i = keywords_.find(k)) kbits |= 1u << *i;
        }
    }
    std::vector<uint32_t> changed;
    bool resynced = false;
    bool in_sync = cur_in_sync();
    // Renames within cur/ go through its descriptor (no path walk per message).
    int cur_fd = ::open((dir_ + "/cur").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (uint32_t uid : uids) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            IndexRecord* r = find_record(uid);
            if (!r) break;
            if (unchanged_since && r->modseq > *unchanged_since) {
                if (modified) modified->push_back(uid);
                break;
            }
            MaildirName n = parse_maildir_name(r->filename);
            uint32_t f = n.flags, k = n.keywords;
            if (op == FlagOp::Add) {
                f |= flags;
                k |= kbits;
            } else if (op == FlagOp::Remove) {
                f &= ~flags;
                k &= ~kbits;
            } else {
                f = flags;
                k = kbits;
            }
            if (f == n.flags && k == n.keywords) break;
            std::string to = make_maildir_name(n.base, f, k);
            int rc = cur_fd >= 0 && !r->in_new
                         ? ::renameat(cur_fd, r->filename.c_str(), cur_fd, to.c_str())
                         : ::rename(path_of(*r).c_str(), (dir_ + "/cur/" + to).c_str());
            if (rc == 0) {
                r->filename = to;
                r->in_new = false;
                r->modseq = ++idx_.highest_modseq;
                touch_record(uid);
                changed.push_back(uid);
                break;
            }
            if (errno != ENOENT || resynced) break;
            sync_locked(false);  // renamed or expunged by another process
            resynced = true;
            in_sync = false;
        }
    }
    // The renames are the acknowledged change: on disk before the reply (the index that
    // follows is only a cache and is not fsync'd).
    if (!changed.empty()) {
        if (cur_fd >= 0) {
            if (::fsync(cur_fd) != 0) {
                int e = errno;
                ::close(cur_fd);
                throw std::system_error(e, std::generic_category(), "fsync " + dir_ + "/cur");
            }
        } else {
            fs::fsync_dir(dir_ + "/cur");
        }
    }
    if (cur_fd >= 0) ::close(cur_fd);
    if (!changed.empty()) cur_changed_by_us(in_sync);
    save_index();
    return changed;
}

std::vector<uint32_t> Folder::expunge_locked(const std::vector<uint32_t>& uids, bool deleted_only) {
    std::vector<uint32_t> done;
    uint64_t bytes = 0;
    bool in_sync = cur_in_sync();
    for (uint32_t uid : uids) {
        IndexRecord* r = find_record(uid);
        if (!r) continue;
        if (deleted_only && !(parse_maildir_name(r->filename).flags & kDeleted)) continue;
        if (::unlink(path_of(*r).c_str()) != 0 && errno != ENOENT) continue;
        done.push_back(uid);
        bytes += r->size;
    }
    if (done.empty()) return done;
    if (usage_) usage_->add(-static_cast<int64_t>(bytes), -static_cast<int64_t>(done.size()));
    fs::fsync_dir(dir_ + "/cur");
    cur_changed_by_us(in_sync);
    std::unordered_set<uint32_t> g(done.begin(), done.end());
    std::erase_if(idx_.records, [&](const IndexRecord& r) { return g.count(r.uid) > 0; });
    for (uint32_t uid : done) record_expunge(uid);
    cache_.forget(done);
    touch_shape();
    update_uidlist({}, done);
    save_index();
    return done;
}

std::vector<uint32_t> Folder::expunge_deleted(const std::vector<uint32_t>* only) {
    std::lock_guard lock(mu_);
    sync_locked(false);
    std::vector<uint32_t> uids;
    if (only) {
        uids = *only;
    } else {
        for (const auto& r : idx_.records) uids.push_back(r.uid);
    }
    return expunge_locked(uids, true);
}

std::vector<uint32_t> Folder::expunge_uids(const std::vector<uint32_t>& uids) {
    std::lock_guard lock(mu_);
    ensure_loaded();
    return expunge_locked(uids, false);
}

std::vector<uint32_t> Folder::vanished_since(uint64_t since, bool* complete) {
    std::lock_guard lock(mu_);
    ensure_loaded();
    if (complete) *complete = since >= idx_.expunge_floor;
    std::vector<uint32_t> out;
    for (const auto& x : idx_.expunged) {
        if (x.modseq > since) out.push_back(x.uid);
    }
    std::sort(out.begin(), out.end());
    return out;
}

void Folder::set_cached(uint32_t uid, std::string_view envelope, std::string_view bodystructure,
                        std::optional<std::string_view> header) {
    std::lock_guard lock(mu_);
    ensure_loaded();
    if (uint64_t h = name_hash_of(uid)) {
        if (cache_.size() < 4096) {  // a first fill: room for the folder, within reason
            cache_.reserve(std::min(idx_.records.size() * 2048, kCacheReserveMax));
        }
        cache_.put_structure(uid, h, envelope, bodystructure, header ? &*header : nullptr);
        flush_cache_if_due();
    }
}

std::optional<std::pair<std::string, std::string>> Folder::cached(uint32_t uid) {
    std::lock_guard lock(mu_);
    ensure_loaded();
    uint64_t h = name_hash_of(uid);
    return h ? cache_.structure(uid, h) : std::nullopt;
}

void Folder::set_cached_header(uint32_t uid, std::string_view header) {
    std::lock_guard lock(mu_);
    ensure_loaded();
    if (uint64_t h = name_hash_of(uid); h && !cache_.has_header(uid, h)) {
        cache_.put_header(uid, h, header);
        flush_cache_if_due();
    }
}

std::optional<std::string> Folder::cached_header(uint32_t uid) {
    std::lock_guard lock(mu_);
    ensure_loaded();
    uint64_t h = name_hash_of(uid);
    return h ? cache_.header(uid, h) : std::nullopt;
}

}  // namespace magpie::mailbox
