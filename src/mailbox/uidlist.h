// The "dovecot-uidlist" file of a Maildir folder, the truth for UIDs.
// Format (Dovecot's maildir docs, version 3):
//   3 V<uidvalidity> N<nextuid> G<128-bit guid in hex>
//   <uid> [<extension fields>] :<file name>
// Version 1 ("1 <uidvalidity> <nextuid>" then "<uid> <file name>") is read too. Dovecot
// may append lines without rewriting the header, so the real next UID is
// max(N, last UID + 1). Files are matched by base name (before ':'), since flags change.
#pragma once
#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::mailbox {

struct UidlistEntry {
    uint32_t uid = 0;
    std::string ext;       // extension fields as read ("W2481 S1200"), kept verbatim
    std::string filename;  // as recorded; compare by base_of()
};

struct Uidlist {
    uint32_t uidvalidity = 0;
    uint32_t next_uid = 1;
    std::string guid;                   // 32 hex digits
    std::vector<UidlistEntry> entries;  // ascending uid

    // false when the data is not a uidlist of version 1 or 3.
    bool parse(std::string_view data);
    std::string serialize() const;  // always version 3
};

std::string new_guid_hex();

// Dovecot-compatible lock: "dovecot-uidlist.lock" created with O_EXCL in the folder;
// the new contents are written into it, fsync'd and renamed over "dovecot-uidlist",
// which releases the lock. A lock file older than kStaleLockSeconds is taken over, and so
// is one older than two seconds that no live Magpie holds (flock), left by a crash.
constexpr int kStaleLockSeconds = 120;
constexpr int kLockWaitMillis = 10000;

class UidlistLock {
  public:
    // Throws std::system_error when the lock cannot be taken within kLockWaitMillis.
    explicit UidlistLock(std::string folder_dir);
    ~UidlistLock();
    UidlistLock(const UidlistLock&) = delete;
    UidlistLock& operator=(const UidlistLock&) = delete;
    // Writes, fsyncs, renames over dovecot-uidlist and fsyncs the directory. Returns the
    // written file's stat, taken before the rename (so it is ours, not a later writer's).
    struct stat commit(std::string_view contents);

  private:
    std::string dir_;
    int fd_ = -1;
    bool done_ = false;
};

}  // namespace magpie::mailbox
