// Effective quota of a user: own value, else quota_default.
#include "store/quota.h"

namespace magpie::store {

uint64_t quota_of(const Snapshot& s, const std::string& user) {
    auto it = s.users.find(user);
    if (it == s.users.end()) return 0;
    int64_t q = it->second.quota ? *it->second.quota : s.settings.quota_default;
    return q > 0 ? static_cast<uint64_t>(q) : 0;
}

}  // namespace magpie::store
