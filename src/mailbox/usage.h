// Quota usage of one user's Maildir++ (every folder's cur/ and new/): bytes from the ",S="
// part of file names (stat where a name has none) and the message count. UsageCache keeps
// it in memory so a delivery or an APPEND need not walk the folders: one full walk, then
// the changes Magpie makes itself are added as they happen, and a new walk at least every
// `max_age` (and soon after a walk that raced with changes) picks up what other programs
// did. Thread-safe. See docs/quota.md.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace magpie::mailbox {

struct QuotaUsage {
    uint64_t bytes = 0;
    uint64_t messages = 0;
};

// Walks root and every ".Name" folder below it.
QuotaUsage walk_usage(const std::string& root);

class UsageCache {
  public:
    static constexpr std::chrono::seconds kDefaultMaxAge{60};

    explicit UsageCache(std::string root, std::chrono::milliseconds max_age = kDefaultMaxAge);

    // The usage, walking the Maildir first when it was never walked, is older than
    // max_age or was invalidated. Reads the disk: not for I/O threads.
    QuotaUsage get();
    // The cached usage without touching the disk; nullopt before the first walk. Sets
    // *walk_due when get() would walk — only for the first caller to see that, so one
    // caller schedules the walk.
    std::optional<QuotaUsage> peek(bool* walk_due = nullptr);
    // A change made by Magpie, counted after the files are in place (or gone).
    void add(int64_t bytes, int64_t messages);
    // Something changed that add() cannot describe (a folder deleted): walk next time.
    void invalidate();

  private:
    using Clock = std::chrono::steady_clock;
    bool due(Clock::time_point now) const;  // caller holds mu_

    const std::string root_;
    const std::chrono::milliseconds max_age_;
    std::mutex walk_mu_;  // one walk at a time
    std::mutex mu_;       // guards what follows
    QuotaUsage usage_;
    bool valid_ = false, stale_ = false, walk_announced_ = false;
    Clock::time_point next_walk_{};
    uint64_t changes_ = 0;  // add() calls so far, to notice those that race with a walk
};

}  // namespace magpie::mailbox
