// Shared stores and usage caches per user, and folder change notification.
#include "mailbox/registry.h"

#include <vector>

namespace magpie::mailbox {

Registry::Registry(std::string mail_root, std::string hostname)
    : root_(std::move(mail_root)), host_(std::move(hostname)) {}

std::shared_ptr<UsageCache> Registry::usage(const std::string& user) {
    std::lock_guard lock(mu_);
    auto& u = usage_[user];
    if (!u) u = std::make_shared<UsageCache>(user_root(user));
    return u;
}

std::shared_ptr<Store> Registry::store(const std::string& user) {
    auto u = usage(user);
    std::shared_ptr<Store> s;
    {
        std::lock_guard lock(mu_);
        auto& slot = stores_[user];
        s = slot.lock();
        if (s) return s;
        s = std::make_shared<Store>(user_root(user), host_, std::move(u));
        slot = s;
        for (auto it = stores_.begin(); it != stores_.end();) {
            it = it->second.expired() ? stores_.erase(it) : std::next(it);
        }
    }
    s->ensure_standard_folders();
    return s;
}

uint64_t Registry::watch(const std::string& folder_dir, std::function<void()> fn) {
    std::lock_guard lock(mu_);
    uint64_t h = next_++;
    watches_.emplace(h, Watch{folder_dir, std::move(fn)});
    return h;
}

void Registry::unwatch(uint64_t handle) {
    std::lock_guard lock(mu_);
    watches_.erase(handle);
}

void Registry::notify(const std::string& folder_dir) {
    std::vector<std::function<void()>> fns;
    {
        std::lock_guard lock(mu_);
        for (auto& [h, w] : watches_) {
            if (w.dir == folder_dir) fns.push_back(w.fn);
        }
    }
    for (auto& fn : fns) fn();
}

}  // namespace magpie::mailbox
