// Connection counting per client IP and in total, for the per-IP and global limits.
#pragma once
#include <mutex>
#include <string>
#include <unordered_map>

namespace magpie::net {

class ConnCounter {
public:
    // Counts the connection and returns the new per-IP count and total.
    std::pair<int64_t, int64_t> add(const std::string& ip);
    void remove(const std::string& ip);
    int64_t total() const;

private:
    mutable std::mutex mu_;
    std::unordered_map<std::string, int64_t> per_ip_;
    int64_t total_ = 0;
};

// Removes the connection from the counter when it goes out of scope.
class ConnGuard {
public:
    ConnGuard(ConnCounter& c, std::string ip) : c_(c), ip_(std::move(ip)) {}
    ~ConnGuard() { c_.remove(ip_); }
    ConnGuard(const ConnGuard&) = delete;
    ConnGuard& operator=(const ConnGuard&) = delete;

private:
    ConnCounter& c_;
    std::string ip_;
};

}  // namespace magpie::net
