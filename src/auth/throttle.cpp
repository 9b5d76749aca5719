// Password-guessing throttle per client address and per account.
#include "auth/throttle.h"

#include <algorithm>

namespace magpie::auth {

namespace {
constexpr size_t kPruneEvery = 1024;  // calls between sweeps of quiet entries
}

std::chrono::milliseconds LoginThrottle::delay(int64_t failures, const ThrottlePolicy& p) {
    if (failures <= p.free_failures) return std::chrono::milliseconds(0);
    int64_t d = std::max<int64_t>(1, p.delay_ms);
    for (int64_t i = p.free_failures + 1; i < failures && d < p.max_delay_ms; ++i) d *= 2;
    return std::chrono::milliseconds(std::min(d, std::max<int64_t>(1, p.max_delay_ms)));
}

LoginThrottle::Entry& LoginThrottle::fresh(std::unordered_map<std::string, Entry>& m,
                                           const std::string& key, Clock::time_point now,
                                           const ThrottlePolicy& p) {
    Entry& e = m[key];
    if (e.failures > 0 && now - e.last > std::chrono::seconds(p.window_seconds) &&
        now >= e.blocked_until)
        e = Entry{};
    return e;
}

void LoginThrottle::prune(Clock::time_point now, const ThrottlePolicy& p) {
    auto quiet = [&](const Entry& e) {
        return now - e.last > std::chrono::seconds(p.window_seconds) && now >= e.blocked_until &&
               now >= e.next_turn;
    };
    std::erase_if(ips_, [&](const auto& kv) { return quiet(kv.second); });
    std::erase_if(accounts_, [&](const auto& kv) { return quiet(kv.second); });
}

LoginThrottle::Turn LoginThrottle::reserve(const std::string& ip, const std::string& account, Clock::time_point now,
                                           const ThrottlePolicy& p) {
    std::lock_guard lock(mu_);
    if (++calls_ % kPruneEvery == 0) prune(now, p);
    Entry& e = fresh(ips_, ip, now, p);
    Turn t;
    t.at = std::max(now, e.next_turn);
    e.last = std::max(e.last, now);
    if (now < e.blocked_until) {  // answered as failed without a check, still one per turn
        t.blocked = true;
        e.next_turn = t.at + std::chrono::milliseconds(p.max_delay_ms);
        return t;
    }
    // Every attempt counts as a failure until it succeeds, so that attempts made in
    // parallel, before any of them is answered, are spaced like consecutive ones.
    const bool failed_before = e.failures > 0;
    ++e.failures;
    auto d = delay(e.failures, p);
    if (!account.empty() && failed_before) {
        // An account under attack slows only clients that have failed before.
        Entry& a = fresh(accounts_, account, now, p);
        t.at = std::max(t.at, a.next_turn);
        auto ad = delay(a.failures, p);
        a.next_turn = t.at + ad;
        d = std::max(d, ad);
    }
    e.next_turn = t.at + d;
    return t;
}

bool LoginThrottle::failure(const std::string& ip, const std::string& account, Clock::time_point now,
                            const ThrottlePolicy& p) {
    std::lock_guard lock(mu_);
    Entry& e = fresh(ips_, ip, now, p);
    e.failures = std::max<int64_t>(e.failures, 1);  // counted by reserve()
    e.last = now;
    if (!account.empty()) {
        Entry& a = fresh(accounts_, account, now, p);
        ++a.failures;
        a.last = now;
    }
    if (e.failures >= p.block_failures && now >= e.blocked_until) {
        e.blocked_until = now + std::chrono::seconds(p.block_seconds);
        e.failures = 0;  // counted afresh after the block
        return true;
    }
    return false;
}

void LoginThrottle::success(const std::string& ip) {
    std::lock_guard lock(mu_);
    auto it = ips_.find(ip);
    if (it != ips_.end() && it->second.blocked_until <= Clock::now()) ips_.erase(it);
}

size_t LoginThrottle::tracked() const {
    std::lock_guard lock(mu_);
    return ips_.size() + accounts_.size();
}

}  // namespace magpie::auth
