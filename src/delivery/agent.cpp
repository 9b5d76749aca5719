// The delivery agent's scheduling: a work queue of queue IDs served by worker threads in
// batches (see local_batch.h), a retry timer list with exponential backoff for temporary
// failures, and crash recovery of queue/active at start.
#include "delivery/agent.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/fault.h"
#include "core/log.h"
#include "delivery/local_batch.h"
#include "queue/queue_file.h"

namespace magpie::delivery {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxBatch = 32;             // entries one worker takes at a time
constexpr int64_t kStaleTmpSeconds = 86400;  // queue/tmp files older than this are dropped

std::string local_hostname(const Config& cfg) {
    if (!cfg.hostname.empty()) return cfg.hostname;
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
    return buf;
}

}  // namespace

struct Agent::Impl {
    Config cfg;
    SnapshotProvider snapshots;
    int workers;
    MaildirWriter writer;
    std::chrono::milliseconds retry_first{std::chrono::minutes(1)};
    std::chrono::milliseconds retry_max{std::chrono::hours(1)};

    std::mutex mu;
    std::condition_variable work_cv, idle_cv;
    std::deque<BatchJob> ready;
    std::unordered_set<std::string> known;  // queued, in a worker, or waiting for a retry
    std::multimap<Clock::time_point, std::string> timers;
    std::unordered_map<std::string, int> attempts;
    std::unordered_set<std::string> remote_logged;
    std::unique_ptr<ExistingCopies> recovered;  // built at start(), read by workers
    int busy = 0;
    bool started = false, stopping = false;
    std::vector<std::thread> threads;
    std::function<void(const std::string&)> remote_handler;
    std::function<void(const std::string&)> delivered_handler;
    std::function<bool(const std::string&)> held_elsewhere;
    QuotaHooks quota;

    Impl(const Config& c, SnapshotProvider p, int n)
        : cfg(c), snapshots(std::move(p)), workers(std::max(1, n)), writer(local_hostname(c)) {}

    // Caller holds mu.
    void enqueue(const std::string& id, bool check_existing) {
        if (!known.insert(id).second) return;
        ready.push_back({id, check_existing});
        work_cv.notify_one();
    }

    void release_due_timers() {
        auto now = Clock::now();
        while (!timers.empty() && timers.begin()->first <= now) {
            ready.push_back({timers.begin()->second, true});
            timers.erase(timers.begin());
        }
    }

    std::chrono::milliseconds backoff(int attempt) {
        auto d = retry_first;
        for (int i = 1; i < attempt && d < retry_max; ++i) d *= 2;
        return std::min(d, retry_max);
    }

    void run() {
        for (;;) {
            std::vector<BatchJob> batch;
            {
                std::unique_lock lock(mu);
                for (;;) {
                    release_due_timers();
                    if (stopping) return;
                    if (!ready.empty()) break;
                    if (timers.empty()) {
                        work_cv.wait(lock);
                    } else {
                        work_cv.wait_until(lock, timers.begin()->first);
                    }
                }
                while (!ready.empty() && batch.size() < kMaxBatch) {
                    batch.push_back(std::move(ready.front()));
                    ready.pop_front();
                }
                ++busy;
            }
            std::vector<BatchOutcome> outcomes(batch.size(), BatchOutcome::Deferred);
            try {
                BatchContext ctx{cfg,
                                 nullptr,
                                 writer,
                                 [this](const std::string& id) {
                                     std::lock_guard lock(mu);
                                     return remote_logged.insert(id).second;
                                 },
                                 nullptr,
                                 {},
                                 nullptr,
                                 [this](const std::string& id) {
                                     std::lock_guard lock(mu);
                                     enqueue(id, false);
                                 }};
                std::shared_ptr<const store::Snapshot> snap;
                try {
                    snap = snapshots();
                } catch (const std::exception& e) {
                    log::info("local", "directory unavailable: {}", e.what());
                }
                ctx.snapshot = snap.get();
                ctx.recovered = recovered.get();
                QuotaHooks q;
                {
                    std::lock_guard lock(mu);
                    ctx.delivered = delivered_handler;
                    q = quota;
                }
                if (q.usage && q.added) ctx.quota = &q;
                outcomes = deliver_batch(ctx, batch);
            } catch (const std::exception& e) {
                log::info("local", "delivery batch failed: {}", e.what());
            }
            std::function<void(const std::string&)> on_remote;
            {
                std::lock_guard lock(mu);
                on_remote = remote_handler;
            }
            if (on_remote)
                for (size_t i = 0; i < batch.size(); ++i)
                    if (outcomes[i] == BatchOutcome::RemotePending) on_remote(batch[i].id);
            std::lock_guard lock(mu);
            for (size_t i = 0; i < batch.size(); ++i) {
                const std::string& id = batch[i].id;
                if (outcomes[i] == BatchOutcome::Deferred) {
                    int n = ++attempts[id];
                    timers.emplace(Clock::now() + backoff(n), id);
                    continue;
                }
                known.erase(id);
                attempts.erase(id);
                if (outcomes[i] == BatchOutcome::Finished) remote_logged.erase(id);
            }
            --busy;
            if (busy == 0 && ready.empty()) idle_cv.notify_all();
            if (!timers.empty()) work_cv.notify_one();  // someone must watch the next timer
        }
    }
};

Agent::Agent(const Config& cfg, store::SnapshotCache& directory, int workers)
    : Agent(cfg, SnapshotProvider([&directory] { return directory.get(); }), workers) {}

Agent::Agent(const Config& cfg, SnapshotProvider directory, int workers)
    : impl_(std::make_unique<Impl>(cfg, std::move(directory), workers)) {}

Agent::~Agent() {
    stop();
}

void Agent::set_retry_delays(std::chrono::milliseconds first, std::chrono::milliseconds max) {
    std::lock_guard lock(impl_->mu);
    impl_->retry_first = first;
    impl_->retry_max = std::max(first, max);
}

void Agent::set_delivered_handler(std::function<void(const std::string&)> handler) {
    std::lock_guard lock(impl_->mu);
    impl_->delivered_handler = std::move(handler);
}

void Agent::set_quota_hooks(QuotaHooks hooks) {
    std::lock_guard lock(impl_->mu);
    impl_->quota = std::move(hooks);
}

void Agent::set_remote_handler(std::function<void(const std::string&)> handler) {
    std::lock_guard lock(impl_->mu);
    impl_->remote_handler = std::move(handler);
}

void Agent::start() {
    std::lock_guard lock(impl_->mu);
    if (impl_->started) return;
    impl_->started = true;
    impl_->stopping = false;
    std::string qdir = impl_->cfg.queue_dir();
    queue::cleanup_tmp(qdir, kStaleTmpSeconds);
    auto ids = queue::list_active(qdir);
    if (!ids.empty()) log::info("local", "recovering {} queued messages", ids.size());
    impl_->recovered =
        std::make_unique<ExistingCopies>(std::unordered_set<std::string>(ids.begin(), ids.end()));
    for (const auto& id : ids) impl_->enqueue(id, true);
    for (int i = 0; i < impl_->workers; ++i) impl_->threads.emplace_back([this] { impl_->run(); });
}

void Agent::submit(const std::string& queue_id) {
    if (fault::drop_handoff("local")) {
        log::info("local", "{}: fault injection: hand-off dropped", queue_id);
        return;
    }
    std::lock_guard lock(impl_->mu);
    impl_->enqueue(queue_id, false);
}

void Agent::set_held_elsewhere(std::function<bool(const std::string&)> held) {
    std::lock_guard lock(impl_->mu);
    impl_->held_elsewhere = std::move(held);
}

size_t Agent::rescan(std::chrono::seconds min_age) {
    std::function<bool(const std::string&)> held;
    {
        std::lock_guard lock(impl_->mu);
        if (!impl_->started || impl_->stopping) return 0;
        held = impl_->held_elsewhere;
    }
    std::string qdir = impl_->cfg.queue_dir();
    auto now = std::time(nullptr);
    std::vector<std::string> lost;
    for (const auto& id : queue::list_active(qdir)) {
        {
            std::lock_guard lock(impl_->mu);
            if (impl_->known.count(id)) continue;
        }
        if (held && held(id)) continue;
        // A young entry may be between its commit and its hand-off.
        struct stat st{};
        if (::stat(queue::active_path(qdir, id).c_str(), &st) != 0) continue;
        if (now - st.st_mtime < min_age.count()) continue;
        lost.push_back(id);
    }
    std::lock_guard lock(impl_->mu);
    size_t n = 0;
    for (const auto& id : lost) {
        if (impl_->known.count(id)) continue;
        log::info("local", "{}: found in the queue but not scheduled; scheduling it", id);
        impl_->enqueue(id, true);
        ++n;
    }
    return n;
}

void Agent::stop() {
    {
        std::lock_guard lock(impl_->mu);
        if (!impl_->started) return;
        impl_->stopping = true;
    }
    impl_->work_cv.notify_all();
    for (auto& t : impl_->threads) t.join();
    std::lock_guard lock(impl_->mu);
    impl_->threads.clear();
    impl_->started = false;
    // Whatever was still waiting is on disk and is recovered by the next start().
    impl_->ready.clear();
    impl_->timers.clear();
    impl_->known.clear();
    impl_->attempts.clear();
    impl_->busy = 0;
    impl_->recovered.reset();
    impl_->idle_cv.notify_all();
}

void Agent::drain() {
    std::unique_lock lock(impl_->mu);
    impl_->idle_cv.wait(
        lock, [this] { return !impl_->started || (impl_->ready.empty() && impl_->busy == 0); });
}

}  // namespace magpie::delivery
