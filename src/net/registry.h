// The open client sessions, so that shutdown can interrupt the idle ones.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace magpie::net {

class SessionRegistry {
public:
    uint64_t add(std::function<void()> interrupt);
    void remove(uint64_t id);
    void interrupt_all();
    size_t size() const;

private:
    mutable std::mutex mu_;
    std::map<uint64_t, std::function<void()>> sessions_;
    uint64_t next_ = 1;
};

}  // namespace magpie::net
