// Login throttling per client IP and per account, like SMTP AUTH's failure limit but with a
// growing delay: after `free_failures` failures in a row, each further attempt must wait
// kFirstDelay * 2^(failures - free_failures) seconds after the last failure (at most
// kMaxDelay). A
// success clears the account's count; counts are forgotten an hour after the last failure.
// Pure: the caller passes the time.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace magpie::api {

class Throttle {
  public:
    static constexpr int64_t kFirstDelay = 5;  // seconds
    static constexpr int64_t kMaxDelay = 900;  // seconds
    static constexpr int64_t kForget = 3600;   // seconds after the last failure

    // Seconds the caller must still wait before trying (0: may try now).
    int64_t wait(std::string_view ip, std::string_view account, int64_t now, int64_t free_failures);
    void failure(std::string_view ip, std::string_view account, int64_t now);
    void success(std::string_view account);

  private:
    struct Entry {
        int64_t failures = 0;
        int64_t last = 0;
    };
    int64_t wait_for(const std::map<std::string, Entry, std::less<>>& m, std::string_view key,
                     int64_t now, int64_t free_failures) const;
    void prune(int64_t now);

    std::mutex mu_;
    std::map<std::string, Entry, std::less<>> by_ip_, by_account_;
};

}  // namespace magpie::api
