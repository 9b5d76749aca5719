// UsageCache: full walks and incremental updates of a user's quota usage (see usage.h).
#include "mailbox/usage.h"

#include <dirent.h>
#include <sys/stat.h>

#include <vector>

#include "mailbox/flags.h"
#include "mailbox/folder_name.h"

namespace magpie::mailbox {
namespace {

// A walk that raced with a change may have counted it or not; it is redone after this.
constexpr std::chrono::seconds kRacedWalkRetry{5};

void walk_dir(const std::string& dir, QuotaUsage& q) {
    DIR* dp = ::opendir(dir.c_str());
    if (!dp) return;
    while (dirent* de = ::readdir(dp)) {
        if (de->d_name[0] == '.') continue;
        ++q.messages;
        if (auto sz = size_from_name(base_of(de->d_name))) {
            q.bytes += *sz;
            continue;
        }
        struct stat st {};
        if (::stat((dir + "/" + de->d_name).c_str(), &st) == 0 && st.st_size > 0) {
            q.bytes += static_cast<uint64_t>(st.st_size);
        }
    }
    ::closedir(dp);
}

}  // namespace

QuotaUsage walk_usage(const std::string& root) {
    std::vector<std::string> dirs = {root};
    if (DIR* d = ::opendir(root.c_str())) {
        while (dirent* de = ::readdir(d)) {
            if (folder_from_dir_name(de->d_name)) dirs.push_back(root + "/" + de->d_name);
        }
        ::closedir(d);
    }
    QuotaUsage q;
    for (const auto& d : dirs) {
        walk_dir(d + "/cur", q);
        walk_dir(d + "/new", q);
    }
    return q;
}

UsageCache::UsageCache(std::string root, std::chrono::milliseconds max_age)
    : root_(std::move(root)), max_age_(max_age) {}

bool UsageCache::due(Clock::time_point now) const {
    return !valid_ || stale_ || now >= next_walk_;
}

QuotaUsage UsageCache::get() {
    {
        std::lock_guard lock(mu_);
        if (!due(Clock::now())) return usage_;
    }
    std::lock_guard walking(walk_mu_);
    uint64_t before;
    {
        std::lock_guard lock(mu_);
        if (!due(Clock::now())) return usage_;  // another thread just walked
        before = changes_;
    }
    QuotaUsage fresh = walk_usage(root_);
    std::lock_guard lock(mu_);
    // Changes counted during the walk may or may not be in it: keep the walk (at most
    // those few changes off) and walk again shortly.
    bool raced = changes_ != before;
    usage_ = fresh;
    valid_ = true;
    stale_ = false;
    walk_announced_ = false;
    next_walk_ =
        Clock::now() +
        (raced ? std::min<std::chrono::milliseconds>(max_age_, kRacedWalkRetry) : max_age_);
    return usage_;
}

std::optional<QuotaUsage> UsageCache::peek(bool* walk_due) {
    std::lock_guard lock(mu_);
    bool d = due(Clock::now());
    if (walk_due) *walk_due = d && !walk_announced_;
    if (d) walk_announced_ = true;
    if (!valid_) return std::nullopt;
    return usage_;
}

void UsageCache::add(int64_t bytes, int64_t messages) {
    auto apply = [](uint64_t& v, int64_t d) {
        if (d >= 0) {
            v += static_cast<uint64_t>(d);
        } else {
            uint64_t m = static_cast<uint64_t>(-(d + 1)) + 1;
            v = v > m ? v - m : 0;
        }
    };
    std::lock_guard lock(mu_);
    apply(usage_.bytes, bytes);
    apply(usage_.messages, messages);
    ++changes_;
}

void UsageCache::invalidate() {
    std::lock_guard lock(mu_);
    stale_ = true;
}

}  // namespace magpie::mailbox
