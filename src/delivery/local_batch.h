// One worker's pass over a batch of queue entries: local targets delivered into Maildirs,
// each new/ directory fsync'd once for the whole batch, then progress recorded (or the
// entry removed) only after the deliveries it records are durable.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/config.h"
#include "delivery/maildir.h"
#include "store/directory.h"

namespace magpie::delivery {

struct BatchJob {
    std::string id;
    bool check_existing = false;  // recovery or retry: look for copies delivered earlier
};

enum class BatchOutcome {
    Finished,       // every target done, entry removed (or the entry was gone/unreadable)
    Deferred,       // a local target failed temporarily: retry later
    RemotePending,  // local work done, remote targets wait for the outbound queue
};

// Quota at delivery time, for users with a limit (store::quota_of). `usage` gives the
// bytes in the user's mailbox now (it may walk the Maildir); `added` counts a delivered
// copy. Either unset: no quota is enforced.
struct QuotaHooks {
    std::function<uint64_t(const std::string& user)> usage;
    std::function<void(const std::string& user, uint64_t bytes)> added;
};

struct BatchContext {
    const Config& cfg;
    const store::Snapshot* snapshot;  // null: directory unavailable, local targets defer
    MaildirWriter& writer;
    // True the first time an entry's remote targets are seen, so they are logged once.
    std::function<bool(const std::string& id)> first_remote_sighting;
    ExistingCopies* recovered = nullptr;  // index of the entries found at start, if any
    // Told the Maildir root of each mailbox that received mail, once it is durable.
    std::function<void(const std::string& maildir_root)> delivered;
    const QuotaHooks* quota = nullptr;
    // Hands a new queue entry (a DSN for bounced targets) to the agent.
    std::function<void(const std::string& id)> submit;
};

// Results are in the order of `jobs`. Never throws.
std::vector<BatchOutcome> deliver_batch(const BatchContext& ctx, const std::vector<BatchJob>& jobs);

}  // namespace magpie::delivery
