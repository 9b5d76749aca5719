// One Maildir folder (INBOX or a ".Name" folder): UIDs from dovecot-uidlist, flags from the
// file names, modseqs and caches in magpie-index. One Folder object per folder per process
// (see Store); every public method takes the folder's mutex, so sessions on several
// threads share it. Other processes (Dovecot, a delivery agent, a shell) may change the
// Maildir at any time: sync() finds what they did.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mailbox/cache_file.h"
#include "mailbox/index_file.h"
#include "mailbox/keywords.h"
#include "mailbox/message_list.h"
#include "mailbox/uidlist.h"
#include "mailbox/usage.h"

namespace magpie::mailbox {

// The messages of a folder at one moment, immutable, shared by every session that has
// seen that moment: 5,000 sessions on an unchanged INBOX hold one copy.
struct Snapshot {
    MessageList messages;  // ascending UID
    uint64_t highest_modseq = 0;
    bool dates_known = true;  // no message has kDateUnknown dates
};

struct SyncResult {
    std::vector<uint32_t> added;          // new UIDs (external deliveries, other processes)
    std::vector<uint32_t> expunged;       // files gone since the last sync
    std::vector<uint32_t> flags_changed;  // renamed by another process
    std::vector<uint32_t> recent;         // moved new/ -> cur/ by this sync (see_new)
};

struct FolderStatus {  // RFC 9051 §6.3.11 STATUS, RFC 7162 HIGHESTMODSEQ
    uint32_t messages = 0, recent = 0, unseen = 0, deleted = 0;
    uint32_t uidnext = 0, uidvalidity = 0;
    uint64_t size = 0, highest_modseq = 0;
};

enum class FlagOp { Add, Remove, Replace };

// A message to write with append().
struct AppendRequest {
    std::string_view data;
    uint32_t flags = 0;
    std::vector<std::string> keywords;
    int64_t internal_date = 0;  // 0: now
};

// Where a message to copy lives, read from the source folder.
struct CopySource {
    uint32_t uid = 0;
    std::string path;
    uint32_t flags = 0;
    std::vector<std::string> keywords;
    uint64_t size = 0;
    int64_t internal_date = 0;  // may be kDateUnknown
};

constexpr size_t kMaxExpungedTracked = 10000;  // VANISHED history kept per folder
// magpie-index is replaced (without fsync) at most this often; changes in between go out
// with the next write or when the Folder is destroyed.
constexpr int64_t kIndexWriteIntervalMs = 1000;
// Modseqs reserved by each durable index write (see IndexData::modseq_reserved).
constexpr uint64_t kModseqReserve = 1000000;
// magpie-cache appends are batched up to this size or kIndexWriteIntervalMs.
constexpr size_t kCacheFlushBytes = 1 << 20;
// The most a first cache fill reserves up front (2 KB per message below it).
constexpr size_t kCacheReserveMax = 32 << 20;

class Folder {
  public:
    // `dir` is the Maildir directory (root for INBOX); tmp/ new/ cur/ are created on
    // first use. `hostname` goes into the names of files Magpie writes. Messages added and
    // removed here are counted into `usage` when given.
    Folder(std::string dir, std::string hostname, std::shared_ptr<UsageCache> usage = nullptr);
    // Writes what is not written yet: the index (durably, with no modseqs reserved beyond
    // the highest, so the next load needs no jump) and the cache.
    ~Folder();

    const std::string& dir() const { return dir_; }

    // Scans new/ and cur/ against the uidlist and the index. With see_new, files in new/
    // move to cur/ (an IMAP SELECT/NOOP does this; EXAMINE and STATUS do not).
    SyncResult sync(bool see_new = false);

    // Snapshots; the folder is synced first if it was never loaded. snapshot() returns the
    // same object until the folder changes.
    std::shared_ptr<const Snapshot> snapshot();
    std::vector<MessageInfo> messages();
    // The snapshot with every date read (see fill_dates).
    std::shared_ptr<const Snapshot> dated_snapshot();
    // Dates are read from the files (mtime, ctime) the first time they are asked for, like
    // Dovecot: a first SELECT of a big Maildir stats nothing. Fills the kDateUnknown dates
    // of `msgs` (a session's view) and keeps them in the index; messages gone meanwhile
    // get the current time.
    void fill_dates(MessageList& msgs);
    std::optional<MessageInfo> message(uint32_t uid);
    std::optional<std::string> read_message(uint32_t uid);  // whole file
    FolderStatus status();
    // \Recent (RFC 3501 §2.3.2) of messages this process wrote (APPEND, COPY, MOVE) is
    // held here until the first read-write session that is told of them takes it: that
    // session alone sees them \Recent. Returns the UIDs up to `up_to` not taken yet, and
    // forgets them unless `take` is false (a read-only session sees them, as EXAMINE
    // does, without taking them).
    std::vector<uint32_t> claim_recent(uint32_t up_to, bool take = true);
    uint32_t uidvalidity();
    uint32_t uid_next();
    uint64_t highest_modseq();
    std::vector<std::string> keyword_names();

    // Changes flags of the given UIDs; returns the UIDs whose flags changed. With
    // unchanged_since (RFC 7162 §3.2 UNCHANGEDSINCE), messages with a higher modseq are
    // left alone and listed in *modified. Unknown keywords beyond 26 are ignored.
    std::vector<uint32_t> store_flags(const std::vector<uint32_t>& uids, FlagOp op, uint32_t flags,
                                      const std::vector<std::string>& keywords,
                                      std::optional<uint64_t> unchanged_since = std::nullopt,
                                      std::vector<uint32_t>* modified = nullptr);
    // Removes messages flagged \Deleted (only those in `only` when given: UID EXPUNGE).
    std::vector<uint32_t> expunge_deleted(const std::vector<uint32_t>* only = nullptr);
    // Removes the given UIDs whatever their flags (the source side of MOVE).
    std::vector<uint32_t> expunge_uids(const std::vector<uint32_t>& uids);
    // RFC 7162 §3.2.5.2 VANISHED: UIDs expunged with modseq > since. *complete is false when
    // the history does not reach back that far (the caller must fall back to the full set).
    std::vector<uint32_t> vanished_since(uint64_t since, bool* complete);

    // Writes a message (tmp/, fsync, rename into cur/ with its flags) and returns its UID.
    uint32_t append(const AppendRequest& req);
    // Copy support: where the sources are, and adding them here (hard link when possible).
    std::vector<CopySource> copy_sources(const std::vector<uint32_t>& uids);
    std::vector<std::pair<uint32_t, uint32_t>> add_copies(const std::vector<CopySource>& src);

    // Cached ENVELOPE / BODYSTRUCTURE strings and top-level header blocks (computed by the
    // IMAP layer) in magpie-cache; appended in batches (kCacheFlushBytes, or once a second),
    // the rest when the Folder is destroyed.
    // `header` (see set_cached_header) is stored too when given.
    void set_cached(uint32_t uid, std::string_view envelope, std::string_view bodystructure,
                    std::optional<std::string_view> header = std::nullopt);
    std::optional<std::pair<std::string, std::string>> cached(uint32_t uid);
    // The header block: the message's bytes up to and including the empty line that ends
    // its top-level header (the whole message when it has none).
    void set_cached_header(uint32_t uid, std::string_view header);
    std::optional<std::string> cached_header(uint32_t uid);

  private:
    void ensure_loaded();
    void load();
    SyncResult sync_locked(bool see_new);
    std::shared_ptr<const Snapshot> snapshot_locked();
    // Reads size (when the name has no S=), mtime and ctime for the records' unknown values.
    void stat_records(const std::vector<IndexRecord*>& recs);
    void reload_uidlist_if_changed();
    void rebuild_base_map();
    // Takes the uidlist lock, rereads it if another process changed it, drops `remove`,
    // gives UIDs to `add` (file names) and writes it. Returns the UIDs of `add`, in order.
    std::vector<uint32_t> update_uidlist(const std::vector<std::string>& add,
                                         const std::vector<uint32_t>& remove);
    IndexRecord* find_record(uint32_t uid);
    void insert_record(IndexRecord rec);
    void record_expunge(uint32_t uid);
    MessageInfo info_of(const IndexRecord& r) const;
    std::string path_of(const IndexRecord& r) const;
    std::vector<uint32_t> expunge_locked(const std::vector<uint32_t>& uids, bool deleted_only);
    uint32_t keyword_bits(const std::vector<std::string>& names);
    // Writes the index when due (see kIndexWriteIntervalMs) or `now`; durably first when
    // modseqs passed the reservation. Called before any new modseq is made visible.
    void save_index(bool now = false);
    void flush_cache_if_due();
    uint64_t name_hash_of(uint32_t uid);
    // The records were replaced wholesale: the index must be written and the next
    // snapshot built from scratch.
    void touch() {
        index_dirty_ = true;
        snap_.reset();
        last_snap_.reset();
        snap_full_ = true;
        maybe_in_new_ = true;
    }
    // Records were added or removed: the next snapshot reuses the last one's entries for
    // the records that did not change (see snapshot_locked).
    void touch_shape() {
        index_dirty_ = true;
        if (snap_) last_snap_ = std::move(snap_);
        snap_shape_ = true;
    }
    // The record of `uid` changed in place (name, flags, modseq, dates) or is new.
    void touch_record(uint32_t uid) {
        index_dirty_ = true;
        if (snap_) last_snap_ = std::move(snap_);
        if (snap_full_) return;
        snap_changed_.push_back(uid);
        if (snap_changed_.size() > idx_.records.size() / 4 + 64) snap_full_ = true;
    }
    // `vsize` (the size with CRLF line ends) is written as ",W=" when it differs from `size`.
    std::string unique_base(uint64_t size, uint64_t vsize);

    std::mutex mu_;
    std::vector<uint32_t> unclaimed_recent_;  // see claim_recent(); bounded by kMaxUnclaimed
    void add_unclaimed_recent(uint32_t uid);  // caller holds mu_
    const std::string dir_;
    const std::string host_;
    const std::shared_ptr<UsageCache> usage_;
    bool loaded_ = false;
    Uidlist uidlist_;
    struct stat_key {
        ino_t ino = 0;
        off_t size = -1;
        int64_t mtime_ns = 0;
        bool operator==(const stat_key&) const = default;
    } uidlist_stat_;
    // Skips rescanning new/ or cur/ when it did not change since its last scan. A
    // directory's change time (mtime_ns, [0] new/, [1] cur/) within the last second may
    // change again within the same clock tick unnoticed, so a scan counts only when the
    // time was older than that ("stable") when the scan began.
    struct DirsKey {
        int64_t mtime_ns[2] = {0, 0};
        bool stable[2] = {false, false};
        bool ok = false;  // both directories could be stat'd
    };
    DirsKey dirs_key() const;
    DirsKey scanned_;  // the keys when new/ and cur/ were last read
    // Own changes to cur/: when cur/ was in sync before (its time as last scanned), the
    // time after the change counts as scanned (cur_own_), so the sync that follows a STORE,
    // EXPUNGE, APPEND or COPY does not reread 10,000 names. Once that time is a second old,
    // one full scan runs anyway and finds what another process may have changed within the
    // same tick. new/, where deliveries land, is never trusted this way: an own change
    // there (new/ -> cur/, an expunge) makes the next sync read it again.
    bool cur_in_sync() const;
    void cur_changed_by_us(bool was_in_sync);
    bool cur_own_ = false;
    bool maybe_in_new_ = true;  // false once a pass found no record in new/
    struct NameHash {           // lookups by string_view, without a string per directory entry
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, uint32_t, NameHash, std::equal_to<>> uid_by_base_;
    bool uidlist_unsaved_ = false;  // made in memory by load(), not written yet
    Keywords keywords_;
    IndexData idx_;
    bool index_dirty_ = false;
    std::shared_ptr<const Snapshot> snap_;
    std::shared_ptr<const Snapshot> last_snap_;  // base for the next snapshot (touch_record)
    std::vector<uint32_t> snap_changed_;         // UIDs changed or added since last_snap_
    bool snap_shape_ = false;                    // records added or removed since last_snap_
    bool snap_full_ = true;                      // the next snapshot is built from scratch
    int64_t index_saved_ns_ = 0;                 // steady clock of the last index write
    MessageCache cache_;
    int64_t cache_flushed_ns_ = 0;  // steady clock of the last cache flush
};

// Copies (or, with move, moves) messages from one folder to another; returns
// (source UID, target UID) pairs for COPYUID (RFC 4315 §3). Locks one folder at a time.
std::vector<std::pair<uint32_t, uint32_t>> copy_messages(Folder& from, Folder& to,
                                                         const std::vector<uint32_t>& uids,
                                                         bool move = false);

}  // namespace magpie::mailbox
