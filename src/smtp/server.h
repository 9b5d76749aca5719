// The SMTP server: one coroutine per connection driving the pure Session over a Stream,
// streaming messages into the queue and handing committed ones to the delivery agent.
#pragma once
#include <atomic>

#include "auth/throttle.h"
#include "core/config.h"
#include "delivery/agent.h"
#include "filter/pipeline.h"
#include "net/asio.h"
#include "net/admission.h"
#include "net/registry.h"
#include "smtp/proto/session.h"
#include "store/directory.h"

namespace magpie::smtp {

struct ServerContext {
    const Config& cfg;
    store::SnapshotCache& directory;
    delivery::Agent& agent;
    net::SessionRegistry& sessions;
    net::ssl::context& tls;
    net::asio::thread_pool& blocking;
    std::atomic<bool>& stopping;
    UsagePeek usage_peek;  // RCPT-time quota check; empty: none
    const filter::Checks& filter;
    auth::LoginThrottle* throttle = nullptr;  // password-guessing throttle; null: none
};

// Runs one admitted connection (the front door's ticket is held until it ends).
net::awaitable<void> run_session(net::tcp::socket sock, Listener listener, ServerContext& ctx, std::string ip,
                                 net::Ticket ticket);
// The 421 line that refuses a connection over a limit (RFC 5321 §3.8, RFC 3463: 4.7.0
// for the client's own excess, 4.3.2 when the server is full).
std::string refusal(net::Refusal r, const std::string& hostname, const std::string& ip);

}  // namespace magpie::smtp
