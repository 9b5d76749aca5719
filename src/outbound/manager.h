// The outbound queue manager: delivers the remote targets of queued messages. Routes each
// target (relay rule, relay domain or MX), reuses connections per next hop, limits
// concurrency per destination, signs submitted mail with DKIM, retries temporary failures
// on a backoff schedule until the queue lifetime, and returns RFC 3464 DSNs to the sender
// for permanent failures. Runs on the io_context; blocking file work goes to a pool.
#pragma once
#include <memory>
#include <string>

#include "core/config.h"
#include "delivery/agent.h"
#include "dns/resolver.h"
#include "net/asio.h"
#include "store/directory.h"

namespace magpie::outbound {

class Manager {
public:
    Manager(net::asio::io_context& io, net::asio::thread_pool& blocking, const Config& cfg,
            store::SnapshotCache& directory, delivery::Agent& agent, dns::Resolver& dns);
    ~Manager();
    void start();
    // Thread-safe: an entry whose local targets are done and remote ones pending.
    void submit(const std::string& queue_id);
    // Thread-safe: whether the entry is scheduled here (for the delivery agent's rescan).
    bool holds(const std::string& queue_id) const;
    void stop();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace magpie::outbound
