// The thin HTTP server of the admin API: [listen] http (plain, loopback only) and
// [listen] https (TLS with the server's certificate). It reads requests with Boost.Beast,
// bounds header and body sizes (413), times out slow clients (api_idle_timeout), caps the
// connections (api_max_connections, then 503), and runs api::Api::handle() on the blocking
// pool. Beast stays inside server.cpp; only server/serve.cpp includes this header.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/admission.h"
#include "net/asio.h"
#include "net/conn_limits.h"
#include "net/registry.h"

namespace magpie {
struct Config;
namespace store {
class SnapshotCache;
}
}  // namespace magpie

namespace magpie::api {

class Api;

struct HttpContext {
    Api& api;
    store::SnapshotCache& directory;
    net::ssl::context& tls;
    net::SessionRegistry& sessions;
    net::asio::thread_pool& blocking;
    std::atomic<bool>& stopping;
    net::ConnCounter conns{};
};

// Runs the API on a connection the front door admitted (net/front_door.h), with TLS on
// https; the ticket is released when the connection ends.
void start_connection(net::tcp::socket sock, bool use_tls, HttpContext& ctx, net::Ticket ticket);

// Whether plain HTTP may listen on `addr`: loopback addresses only.
bool plain_http_allowed(const std::string& addr);

}  // namespace magpie::api
