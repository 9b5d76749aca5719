// The SMTP server: one coroutine per connection driving the pure Session over a Stream,
// streaming messages into the queue and handing committed ones to the delivery agent.
#pragma once
#include <atomic>

#include "core/config.h"
#include "delivery/agent.h"
#include "filter/pipeline.h"
#include "net/asio.h"
#include "net/conn_limits.h"
#include "net/registry.h"
#include "smtp/proto/session.h"
#include "store/directory.h"

namespace magpie::smtp {

struct ServerContext {
    const Config& cfg;
    store::SnapshotCache& directory;
    delivery::Agent& agent;
    net::ConnCounter& conns;
    net::SessionRegistry& sessions;
    net::ssl::context& tls;
    net::asio::thread_pool& blocking;
    std::atomic<bool>& stopping;
    UsagePeek usage_peek;  // RCPT-time quota check; empty: none
    const filter::Checks& filter;
};

net::awaitable<void> run_session(net::tcp::socket sock, Listener listener, ServerContext& ctx);

}  // namespace magpie::smtp
