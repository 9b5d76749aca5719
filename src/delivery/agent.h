// The local delivery agent: takes committed queue entries and delivers their local targets
// into Maildirs (Return-Path and Delivered-To added, tmp -> new rename, fsync), marking
// each target done. Remote targets stay queued for the outbound queue manager. Runs on its
// own worker threads; knows nothing of SMTP. On start it recovers every queued entry left
// by a crash and delivers each target exactly once; rescan() finds entries whose hand-off
// was lost while running.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/config.h"
#include "delivery/local_batch.h"
#include "store/directory.h"

namespace magpie::delivery {

// Where the agent reads users and public mailboxes; called once per batch of deliveries.
using SnapshotProvider = std::function<std::shared_ptr<const store::Snapshot>()>;

class Agent {
  public:
    Agent(const Config& cfg, store::SnapshotCache& directory, int workers = 2);
    Agent(const Config& cfg, SnapshotProvider directory, int workers = 2);
    ~Agent();
    // Backoff for temporary failures: `first`, doubling per attempt, at most `max`
    // (defaults 1 min and 1 h). Call before start().
    void set_retry_delays(std::chrono::milliseconds first, std::chrono::milliseconds max);
    // Called (from a worker thread) with each entry whose local targets are all done and
    // whose remote targets are still pending: the outbound queue manager takes it from here.
    void set_remote_handler(std::function<void(const std::string&)> handler);
    // Called with the Maildir root of each mailbox that received mail (IDLE wake-up).
    void set_delivered_handler(std::function<void(const std::string&)> handler);
    // Mailbox usage for the quota check before each delivery into a user's mailbox: over
    // quota, that target bounces with 5.2.2 "mailbox full". Call before start().
    void set_quota_hooks(QuotaHooks hooks);
    void start();                              // recovers queue/active, starts workers
    void submit(const std::string& queue_id);  // after a Writer::commit
    // Entries the outbound manager holds (their remote targets are scheduled there); the
    // rescan leaves them alone. Call before start().
    void set_held_elsewhere(std::function<bool(const std::string&)> held);
    // Looks through queue/active for entries committed at least `min_age` ago that nobody
    // has scheduled (a lost hand-off) and schedules them; returns how many. Blocking (reads
    // the folder): call it on a blocking pool. Thread-safe.
    size_t rescan(std::chrono::seconds min_age = std::chrono::seconds(5));
    void stop();                               // finishes in-flight deliveries, then returns
    // Waits until no local delivery is pending (tests and benchmarks). Entries waiting
    // for a retry after a temporary failure do not count; returns at once before start().
    void drain();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace magpie::delivery
