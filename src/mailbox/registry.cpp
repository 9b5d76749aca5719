// Shared stores and usage caches per user, and folder change notification.
#include "mailbox/registry.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace magpie::mailbox {

namespace {

// A Store nobody holds stays open this long (at most kMaxUnused of them), so a client that
// reconnects finds its folders loaded instead of parsing indexes again.
constexpr auto kUnusedLinger = std::chrono::seconds(60);
constexpr size_t kMaxUnused = 8;

}  // namespace

struct Registry::Stores {
    struct Entry {
        std::unique_ptr<Store> store;
        size_t holders = 0;  // store() calls whose pointer is still alive
        std::chrono::steady_clock::time_point unused_since;
    };
    std::mutex mu;
    std::map<std::string, Entry> by_user;

    // Under mu: closes unused stores that lingered too long or beyond the count.
    void trim() {
        auto now = std::chrono::steady_clock::now();
        std::vector<std::map<std::string, Entry>::iterator> unused;
        for (auto it = by_user.begin(); it != by_user.end();) {
            if (it->second.holders > 0) {
                ++it;
            } else if (now - it->second.unused_since >= kUnusedLinger) {
                it = by_user.erase(it);
            } else {
                unused.push_back(it++);
            }
        }
        if (unused.size() <= kMaxUnused) return;
        std::sort(unused.begin(), unused.end(), [](const auto& a, const auto& b) {
            return a->second.unused_since < b->second.unused_since;
        });
        for (size_t i = 0; i + kMaxUnused < unused.size(); ++i) by_user.erase(unused[i]);
    }
};

Registry::Registry(std::string mail_root, std::string hostname)
    : root_(std::move(mail_root)),
      host_(std::move(hostname)),
      stores_(std::make_shared<Stores>()) {}

std::shared_ptr<UsageCache> Registry::usage(const std::string& user) {
    std::lock_guard lock(mu_);
    auto& u = usage_[user];
    if (!u) u = std::make_shared<UsageCache>(user_root(user));
    return u;
}

std::shared_ptr<Store> Registry::store(const std::string& user) {
    auto u = usage(user);
    Store* s = nullptr;
    bool created = false;
    {
        std::lock_guard lock(stores_->mu);
        stores_->trim();
        auto& e = stores_->by_user[user];
        if (!e.store) {
            e.store = std::make_unique<Store>(user_root(user), host_, std::move(u));
            created = true;
        }
        ++e.holders;
        s = e.store.get();
    }
    std::shared_ptr<Store> out(s, [st = stores_, user](Store*) {
        std::lock_guard lock(st->mu);
        auto it = st->by_user.find(user);
        if (it == st->by_user.end() || --it->second.holders > 0) return;
        it->second.unused_since = std::chrono::steady_clock::now();
        st->trim();
    });
    if (created) s->ensure_standard_folders();
    return out;
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
