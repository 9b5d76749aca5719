// The open client sessions, for shutdown.
#include "net/registry.h"

namespace magpie::net {

uint64_t SessionRegistry::add(std::function<void()> interrupt) {
    std::lock_guard lock(mu_);
    sessions_[next_] = std::move(interrupt);
    return next_++;
}

void SessionRegistry::remove(uint64_t id) {
    std::lock_guard lock(mu_);
    sessions_.erase(id);
}

void SessionRegistry::interrupt_all() {
    std::lock_guard lock(mu_);
    for (auto& [id, f] : sessions_) f();
}

size_t SessionRegistry::size() const {
    std::lock_guard lock(mu_);
    return sessions_.size();
}

}  // namespace magpie::net
