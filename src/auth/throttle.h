// Password-guessing throttle, shared by SMTP AUTH, IMAP and POP3 and by all connections:
// failed logins are counted per client address and per account. After a few free
// failures, each login attempt from that address waits for its turn, the turns spaced by
// a delay that doubles with every further failure (so 30 parallel connections guess no
// faster than one), and an address with many failures is blocked for a while (its
// attempts are answered at once as failures, without a password check). An account under attack
// slows only clients whose own address has failed before, so its owner logging in from a
// clean address is served at once. Counts are forgotten after a quiet window. Pure
// bookkeeping with a clock passed in; thread-safe; memory bounded by pruning.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace magpie::auth {

struct ThrottlePolicy {
    int64_t free_failures = 3;     // failures without a delay
    int64_t delay_ms = 500;        // the first delay, doubling per further failure
    int64_t max_delay_ms = 15000;  // the longest delay
    int64_t block_failures = 30;   // failures from one address before it is blocked
    int64_t block_seconds = 600;   // how long a block lasts
    int64_t window_seconds = 900;  // a quiet time after which the counts start over
};

class LoginThrottle {
  public:
    using Clock = std::chrono::steady_clock;

    struct Turn {
        Clock::time_point at;  // check the password no earlier than this
        bool blocked = false;  // answer as a failure without checking
    };
    // Reserves the next turn of a login attempt from `ip` for `account` ("" when not known
    // before the check). The attempt counts as a failure until success() says otherwise.
    Turn reserve(const std::string& ip, const std::string& account, Clock::time_point now,
                 const ThrottlePolicy& p);
    // Records a failed check (against the account); true when it starts a block of `ip`.
    bool failure(const std::string& ip, const std::string& account, Clock::time_point now,
                 const ThrottlePolicy& p);
    // A successful login clears the address's count.
    void success(const std::string& ip);

    // The delay after `failures` failures.
    static std::chrono::milliseconds delay(int64_t failures, const ThrottlePolicy& p);
    size_t tracked() const;

  private:
    struct Entry {
        int64_t failures = 0;
        Clock::time_point last{};
        Clock::time_point next_turn{};
        Clock::time_point blocked_until{};
    };
    Entry& fresh(std::unordered_map<std::string, Entry>& m, const std::string& key,
                 Clock::time_point now, const ThrottlePolicy& p);
    void prune(Clock::time_point now, const ThrottlePolicy& p);

    mutable std::mutex mu_;
    std::unordered_map<std::string, Entry> ips_;
    std::unordered_map<std::string, Entry> accounts_;
    uint64_t calls_ = 0;
};

}  // namespace magpie::auth
