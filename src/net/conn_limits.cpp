// Connection counting per client IP and in total.
#include "net/conn_limits.h"

namespace magpie::net {

std::pair<int64_t, int64_t> ConnCounter::add(const std::string& ip) {
    std::lock_guard lock(mu_);
    return {++per_ip_[ip], ++total_};
}

void ConnCounter::remove(const std::string& ip) {
    std::lock_guard lock(mu_);
    auto it = per_ip_.find(ip);
    if (it != per_ip_.end() && --it->second <= 0) per_ip_.erase(it);
    --total_;
}

int64_t ConnCounter::total() const {
    std::lock_guard lock(mu_);
    return total_;
}

}  // namespace magpie::net
