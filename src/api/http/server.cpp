// The admin API's HTTP/1.1 server over Boost.Beast (RFC 9112): one coroutine per
// connection, keep-alive, a deadline on every read and write, and the handler on the
// blocking pool.
#include "api/http/server.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <ctime>

#include "api/api.h"
#include "core/config.h"
#include "core/log.h"
#include "net/blocking.h"
#include "net/peer.h"
#include "store/directory.h"

namespace magpie::api {

namespace asio = net::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using net::awaitable;
using net::tcp;

namespace {

constexpr size_t kHeaderLimit = 16 * 1024;  // request line + header fields, bytes

struct Conn {
    explicit Conn(tcp::socket s) : plain(std::move(s)) {}
    beast::tcp_stream plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : plain; }
};

http::response<http::string_body> to_http(const Response& r, unsigned version, bool keep_alive) {
    http::response<http::string_body> out{static_cast<http::status>(r.status), version};
    out.set(http::field::server, "magpie");
    if (!r.body.empty()) out.set(http::field::content_type, r.content_type);
    out.set(http::field::cache_control, "no-store");
    out.set("X-Content-Type-Options", "nosniff");
    for (auto& [k, v] : r.headers) out.set(k, v);
    out.body() = r.body;
    out.keep_alive(keep_alive);
    out.prepare_payload();
    return out;
}

// After an early answer, reads (and drops) what the client still sends for a while, so that
// closing with unread data does not reset the connection before the client has read the
// answer (RFC 9112 §9.6).
template <typename Stream>
awaitable<void> drain(Stream& s, beast::tcp_stream& tcp) {
    constexpr size_t kMaxDrain = 16 << 20;
    std::vector<char> buf(64 * 1024);
    size_t total = 0;
    tcp.expires_after(std::chrono::seconds(5));
    while (total < kMaxDrain) {
        boost::system::error_code ec;
        size_t n = co_await s.async_read_some(asio::buffer(buf),
                                              asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        total += n;
    }
}

// Writes a final error answer on a connection that is then closed (after draining).
template <typename Stream>
awaitable<void> refuse(Stream& s, beast::tcp_stream& tcp, int status, const char* code,
                       const char* message, std::chrono::seconds timeout) {
    auto res = to_http(error_reply(status, code, message), 11, false);
    tcp.expires_after(timeout);
    boost::system::error_code ec;
    co_await http::async_write(s, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    tcp.socket().shutdown(tcp::socket::shutdown_send, ec);  // the client sees the end
    co_await drain(s, tcp);
}

template <typename Stream>
awaitable<void> serve_requests(Stream& s, beast::tcp_stream& tcp, const std::string& ip,
                               HttpContext& ctx) {
    beast::flat_buffer buf;
    while (!ctx.stopping) {
        auto snap = ctx.directory.get();
        const auto& st = snap->settings;
        auto timeout = std::chrono::seconds(std::max<int64_t>(1, st.api_idle_timeout));
        Limits limits{std::max<int64_t>(1, st.api_session_lifetime),
                      std::max<int64_t>(0, st.api_login_max_failures),
                      std::max<int64_t>(0, st.api_max_body_size)};
        http::request_parser<http::string_body> parser;
        parser.header_limit(kHeaderLimit);
        parser.body_limit(static_cast<uint64_t>(limits.max_body));
        tcp.expires_after(timeout);
        boost::system::error_code ec;
        co_await http::async_read(s, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (ec == http::error::body_limit) {
            co_await refuse(s, tcp, 413, "too_large", "the body is too large", timeout);
            co_return;
        }
        if (ec == http::error::header_limit) {
            co_await refuse(s, tcp, 431, "header_too_large", "the header is too large", timeout);
            co_return;
        }
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::operation_aborted || ec == asio::error::eof ||
            ec == asio::error::connection_reset)
            co_return;
        if (ec) {
            if (ec.category() == http::make_error_code(http::error::bad_target).category())
                co_await refuse(s, tcp, 400, "bad_request", "malformed HTTP request", timeout);
            co_return;
        }
        auto& req = parser.get();
        Request r;
        r.method = std::string(req.method_string());
        r.target = std::string(req.target());
        r.authorization = std::string(req[http::field::authorization]);
        r.body = std::move(req.body());
        r.peer = ip;
        auto& api = ctx.api;
        int64_t now = std::time(nullptr);
        Response res = co_await net::run_blocking(
            ctx.blocking, [&api, &r, &limits, &now]() { return api.handle(r, limits, now); });
        bool keep = req.keep_alive() && !ctx.stopping;
        auto out = to_http(res, req.version(), keep);
        tcp.expires_after(timeout);
        co_await http::async_write(s, out, asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !keep) co_return;
    }
}

// `ticket` is the front door's admission, held for as long as the connection runs.
awaitable<void> run_connection(tcp::socket sock, bool use_tls, HttpContext& ctx,
                               [[maybe_unused]] net::Ticket ticket) {
    auto ip = net::peer_ip(sock);
    if (!ip) co_return;
    auto [per_ip, total] = ctx.conns.add(*ip);
    net::ConnGuard guard(ctx.conns, *ip);
    auto conn = std::make_shared<Conn>(std::move(sock));
    auto ex = co_await asio::this_coro::executor;
    std::weak_ptr<Conn> weak = conn;
    uint64_t reg = net::on_shutdown(ctx.sessions, ex, [weak]() {
        if (auto c = weak.lock()) c->lowest().close();
    });
    auto snap = ctx.directory.get();
    auto timeout = std::chrono::seconds(std::max<int64_t>(1, snap->settings.api_idle_timeout));
    bool over = total > snap->settings.api_max_connections;
    snap.reset();
    try {
        if (use_tls) {
            conn->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(
                std::move(conn->plain), ctx.tls);
            auto& tcp = beast::get_lowest_layer(*conn->tls);
            tcp.expires_after(timeout);
            boost::system::error_code ec;
            co_await conn->tls->async_handshake(net::ssl::stream_base::server,
                                                asio::redirect_error(asio::use_awaitable, ec));
            if (!ec) {
                if (over)
                    co_await refuse(*conn->tls, tcp, 503, "busy", "too many connections", timeout);
                else
                    co_await serve_requests(*conn->tls, tcp, *ip, ctx);
                tcp.expires_after(std::chrono::seconds(2));
                co_await conn->tls->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
            }
        } else if (over) {
            co_await refuse(conn->plain, conn->plain, 503, "busy", "too many connections", timeout);
        } else {
            co_await serve_requests(conn->plain, conn->plain, *ip, ctx);
        }
    } catch (const std::exception& e) {
        log::info("http", "warning: connection from {} failed: {}", *ip, e.what());
    }
    boost::system::error_code ignored;
    conn->lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    conn->lowest().close();
    ctx.sessions.remove(reg);
}

bool loopback(const std::string& addr) {
    auto hp = parse_host_port(addr);
    if (!hp) return false;
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(hp->host, ec);
    return !ec && ip.is_loopback();
}

}  // namespace

void start_connection(tcp::socket sock, bool use_tls, HttpContext& ctx, net::Ticket ticket) {
    auto ex = sock.get_executor();
    asio::co_spawn(ex, run_connection(std::move(sock), use_tls, ctx, std::move(ticket)), asio::detached);
}

bool plain_http_allowed(const std::string& addr) { return loopback(addr); }

}  // namespace magpie::api
