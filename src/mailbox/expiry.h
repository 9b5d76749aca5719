// Expiry of old messages (Junk retention, spam_retention_days): messages whose arrival time
// — the internal date, the file's mtime as Dovecot takes it — lies before a cutoff are
// expunged through the Folder, so the uidlist, the index, quota usage and every session
// that has the folder selected stay consistent (Registry::notify wakes IDLE at once).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "mailbox/folder.h"
#include "mailbox/registry.h"

namespace magpie::mailbox {

// Maildir++ name of the folder the expiry works on.
inline constexpr const char* kJunkFolder = "Junk";

// UIDs of the messages that arrived before `cutoff` (unix seconds). Pure.
std::vector<uint32_t> uids_older_than(const Snapshot& snap, int64_t cutoff);

// Syncs the folder, then expunges the messages that arrived before `cutoff`; returns
// how many were removed.
size_t expunge_older_than(Folder& folder, int64_t cutoff);

struct RetentionRule {
    std::string user;
    int64_t days = 0;  // 0: keep forever (skipped)
};

struct ExpiryCount {
    std::string user;
    size_t expunged = 0;
};

// For each user with days > 0 whose Junk folder exists on disk (no Maildir is created),
// expunges the Junk messages older than that many days before `now`. Other folders are
// never looked at. One entry per user looked at; a user whose folder fails is skipped and
// named in *failed with the reason.
std::vector<ExpiryCount> expire_junk(Registry& registry, const std::vector<RetentionRule>& rules,
                                     int64_t now, std::vector<std::string>* failed = nullptr);

}  // namespace magpie::mailbox
