// Mailbox storage quotas: the effective byte limit of a user, from the user's own quota or
// the quota_default setting. IMAP, POP3 and delivery all ask here.
#pragma once
#include <cstdint>
#include <string>

#include "store/directory.h"

namespace magpie::store {

// The user's storage limit in bytes; 0 means none (unlimited, or no such user).
uint64_t quota_of(const Snapshot& s, const std::string& user);

// Whether `usage` bytes plus `adding` more stay within `limit` (0 = none).
inline bool quota_fits(uint64_t limit, uint64_t usage, uint64_t adding) {
    return limit == 0 || (usage <= limit && adding <= limit - usage);
}

}  // namespace magpie::store
