// Directory fsync group commit. Callers take a ticket; a leader fsyncs on behalf of every
// ticket issued before its fsync began, and later callers wait for the next round.
#include "queue/group_sync.h"

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>

#include "core/fs.h"

namespace magpie::queue {
namespace {

struct DirState {
    std::mutex mu;
    std::condition_variable cv;
    uint64_t issued = 0;  // tickets handed out
    uint64_t synced = 0;  // every ticket up to here is durable
    uint64_t failed = 0;  // tickets up to here belong to a failed fsync
    std::error_code error;
    bool running = false;
};

DirState& state_for(const std::string& dir) {
    static std::mutex mu;
    static std::map<std::string, std::unique_ptr<DirState>> states;
    std::lock_guard lock(mu);
    auto& s = states[dir];
    if (!s) s = std::make_unique<DirState>();
    return *s;
}

}  // namespace

void group_fsync_dir(const std::string& dir) {
    DirState& s = state_for(dir);
    std::unique_lock lock(s.mu);
    uint64_t ticket = ++s.issued;
    for (;;) {
        if (s.synced >= ticket) return;
        if (s.failed >= ticket) throw std::system_error(s.error, "fsync dir " + dir);
        if (s.running) {
            s.cv.wait(lock);
            continue;
        }
        s.running = true;
        uint64_t covers = s.issued;
        lock.unlock();
        std::error_code ec;
        try {
            fs::fsync_dir(dir);
        } catch (const std::system_error& e) {
            ec = e.code();
        }
        lock.lock();
        s.running = false;
        if (ec) {
            s.failed = covers;
            s.error = ec;
        } else {
            s.synced = covers;
        }
        s.cv.notify_all();
    }
}

}  // namespace magpie::queue
