// Login throttling with a growing delay per IP and per account.
#include "api/throttle.h"

#include <algorithm>

namespace magpie::api {

int64_t Throttle::wait_for(const std::map<std::string, Entry, std::less<>>& m, std::string_view key,
                           int64_t now, int64_t free_failures) const {
    auto it = m.find(key);
    if (it == m.end() || now - it->second.last >= kForget) return 0;
    int64_t over = it->second.failures - free_failures;
    if (over < 0) return 0;
    int64_t delay = over >= 10 ? kMaxDelay : std::min<int64_t>(kFirstDelay << over, kMaxDelay);
    return std::max<int64_t>(0, it->second.last + delay - now);
}

int64_t Throttle::wait(std::string_view ip, std::string_view account, int64_t now,
                       int64_t free_failures) {
    std::lock_guard lock(mu_);
    // The IP gets more room than one account: several people may share an address.
    return std::max(wait_for(by_ip_, ip, now, free_failures * 4),
                    wait_for(by_account_, account, now, free_failures));
}

void Throttle::failure(std::string_view ip, std::string_view account, int64_t now) {
    std::lock_guard lock(mu_);
    if (by_ip_.size() + by_account_.size() > 100000) prune(now);
    for (auto* m : {&by_ip_, &by_account_}) {
        auto key = m == &by_ip_ ? ip : account;
        auto it = m->find(key);
        if (it == m->end()) it = m->emplace(std::string(key), Entry{}).first;
        if (now - it->second.last >= kForget) it->second.failures = 0;
        ++it->second.failures;
        it->second.last = now;
    }
}

void Throttle::success(std::string_view account) {
    std::lock_guard lock(mu_);
    if (auto it = by_account_.find(account); it != by_account_.end()) by_account_.erase(it);
}

void Throttle::prune(int64_t now) {
    for (auto* m : {&by_ip_, &by_account_})
        std::erase_if(*m, [&](const auto& kv) { return now - kv.second.last >= kForget; });
}

}  // namespace magpie::api
