// Junk retention: how many days a user's Junk messages are kept before the hourly expiry
// removes them, from the user's own value or the spam_retention_days setting.
#pragma once
#include <algorithm>
#include <cstdint>

#include "store/directory.h"

namespace magpie::store {

// Longest retention accepted for a user (a hundred years); longer settings count as this.
inline constexpr int64_t kMaxRetentionDays = 36500;

// Days `u`'s Junk messages are kept; 0 means forever.
inline int64_t retention_days_of(const Settings& s, const User& u) {
    int64_t days = u.spam_retention_days.value_or(s.spam_retention_days);
    return std::clamp<int64_t>(days, 0, kMaxRetentionDays);
}

}  // namespace magpie::store
