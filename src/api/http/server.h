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

using OpenAcceptor = std::function<std::unique_ptr<net::tcp::acceptor>(const std::string&)>;

// Opens every address of [listen] http and https and starts their accept loops; an http
// address that is not loopback is refused (logged, not started). Logs "NAME listening on".
void start_http_listeners(net::asio::io_context& io, const Config& cfg, HttpContext& ctx,
                          std::vector<std::unique_ptr<net::tcp::acceptor>>& acceptors,
                          const OpenAcceptor& open);

}  // namespace magpie::api
