// The Junk retention job of `magpie serve`: shortly after start, then every hour, and
// whenever `magpie spam expire` leaves its trigger file, each user's Junk folder loses the
// messages older than the user's retention (store/retention.h), through the mailbox layer
// (mailbox/expiry.h) on the blocking pool. One maillog line per user that lost messages and
// one for the run.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>

#include "core/config.h"
#include "mailbox/registry.h"
#include "net/asio.h"
#include "store/directory.h"

namespace magpie::server {

inline constexpr std::chrono::seconds kJunkExpiryFirstRun{30};
inline constexpr std::chrono::seconds kJunkExpiryInterval{3600};

// One pass over every user now; returns the messages expunged. Blocking.
size_t expire_junk_now(const store::Snapshot& snap, mailbox::Registry& registry, int64_t now,
                       const char* why);

// Runs the job until `stopping`; polls the trigger file once a second.
net::awaitable<void> junk_expiry_loop(const Config& cfg, store::SnapshotCache& directory,
                                      mailbox::Registry& registry, net::asio::thread_pool& blocking,
                                      std::atomic<bool>& stopping);

}  // namespace magpie::server
