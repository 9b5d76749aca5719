// Pure helpers of the accept loop: the growing pause after the process ran out of file
// descriptors (EMFILE/ENFILE), and a limiter that lets one log line of a kind through per
// interval and counts the ones it held back, so no flood can fill the maillog.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>

namespace magpie::net {

using Clock = std::chrono::steady_clock;

// 50 ms, doubling to 2 s; back to 50 ms after 10 s without running out.
class AcceptPause {
  public:
    static constexpr std::chrono::milliseconds kFirst{50};
    static constexpr std::chrono::milliseconds kMax{2000};
    static constexpr std::chrono::seconds kCalm{10};

    std::chrono::milliseconds next(Clock::time_point now) {
        if (pause_.count() == 0 || now - last_ > kCalm)
            pause_ = kFirst;
        else
            pause_ = std::min(kMax, pause_ * 2);
        last_ = now + pause_;
        return pause_;
    }

  private:
    std::chrono::milliseconds pause_{0};
    Clock::time_point last_{};
};

// At most one line per `interval`; allow() returns true for the line to write and tells
// how many were held back since the last one written.
class LogLimiter {
  public:
    explicit LogLimiter(std::chrono::milliseconds interval = std::chrono::seconds(1))
        : interval_(interval) {}
    bool allow(Clock::time_point now, int64_t& suppressed) {
        std::lock_guard lock(mu_);
        if (written_ && now - last_ < interval_) {
            ++held_;
            return false;
        }
        written_ = true;
        last_ = now;
        suppressed = held_;
        held_ = 0;
        return true;
    }

  private:
    std::mutex mu_;
    std::chrono::milliseconds interval_;
    Clock::time_point last_{};
    bool written_ = false;
    int64_t held_ = 0;
};

}  // namespace magpie::net
