// Plain/TLS client stream with an idle watchdog and a per-command deadline.
#include "net/stream.h"

#include <fmt/format.h>

namespace magpie::net {

Stream::Stream(tcp::socket sock, ssl::context& tls)
    : sock_(std::move(sock)), ctx_(tls), watch_(std::make_shared<Watch>(sock_.get_executor())) {
    watch_->sock = &sock_;
    touch();
}

// Called with no operation pending on the socket (before a handshake), so it may move.
ssl::stream<tcp::socket>& Stream::tls_layer() {
    if (!tls_stream_) {
        tls_stream_ = std::make_unique<ssl::stream<tcp::socket>>(std::move(sock_), ctx_);
        if (watch_->sock) watch_->sock = &tls_stream_->next_layer();
    }
    return *tls_stream_;
}

Stream::~Stream() { stop_watchdog(); }

// After a timeout the deadline only moves by the watchdog's short grace period.
void Stream::touch() {
    if (!watch_->timed_out) watch_->deadline = std::chrono::steady_clock::now() + timeout_;
}

awaitable<bool> Stream::handshake() {
    touch();
    boost::system::error_code ec;
    co_await tls_layer().async_handshake(ssl::stream_base::server,
                                         asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    tls_ = true;
    co_return true;
}

awaitable<bool> Stream::client_handshake(const std::string& host, bool verify, std::string& error) {
    touch();
    auto& layer = tls_layer();
    SSL_set_tlsext_host_name(layer.native_handle(), host.c_str());
    if (verify) {
        layer.set_verify_mode(ssl::verify_peer);
        layer.set_verify_callback(ssl::host_name_verification(host));
    } else {
        layer.set_verify_mode(ssl::verify_none);
    }
    boost::system::error_code ec;
    co_await layer.async_handshake(ssl::stream_base::client,
                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        long v = SSL_get_verify_result(layer.native_handle());
        error = v != X509_V_OK ? std::string("certificate verification failed: ") + X509_verify_cert_error_string(v)
                               : "TLS handshake failed: " + ec.message();
        co_return false;
    }
    tls_ = true;
    co_return true;
}

std::string Stream::tls_info() {
    if (!tls_stream_) return "without TLS";
    SSL* ssl = tls_stream_->native_handle();
    int alg = 0;
    int bits = SSL_get_cipher_bits(ssl, &alg);
    return fmt::format("using {} with cipher {} ({}/{} bits)", SSL_get_version(ssl), SSL_get_cipher_name(ssl), bits,
                       alg);
}

awaitable<size_t> Stream::read_some(char* buf, size_t n) {
    touch();
    size_t got = 0;  // if/else, not ?: (GCC 12 mishandles co_await in conditional expressions)
    if (tls_)
        got = co_await tls_stream_->async_read_some(asio::buffer(buf, n), asio::use_awaitable);
    else
        got = co_await socket().async_read_some(asio::buffer(buf, n), asio::use_awaitable);
    touch();
    co_return got;
}

awaitable<void> Stream::wait_readable() {
    if (tls_) co_return;
    co_await socket().async_wait(tcp::socket::wait_read, asio::use_awaitable);
}

awaitable<void> Stream::write(std::string_view data) {
    if (data.empty()) co_return;
    touch();
    if (tls_)
        co_await asio::async_write(*tls_stream_, asio::buffer(data), asio::use_awaitable);
    else
        co_await asio::async_write(socket(), asio::buffer(data), asio::use_awaitable);
}

void Stream::close() {
    boost::system::error_code ec;
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
}

void Stream::set_timeout(std::chrono::seconds t) {
    timeout_ = t;
    touch();
}

void Stream::arm_command_deadline(std::chrono::seconds t) {
    if (watch_->timed_out || watch_->command_deadline != std::chrono::steady_clock::time_point::max()) return;
    watch_->command_deadline = std::chrono::steady_clock::now() + t;
    if (watch_->command_deadline < watch_->deadline) watch_->timer.cancel();  // the watchdog re-arms earlier
}

void Stream::disarm_command_deadline() { watch_->command_deadline = std::chrono::steady_clock::time_point::max(); }

void Stream::start_watchdog() {
    asio::co_spawn(socket().get_executor(), watchdog(watch_), asio::detached);
}

void Stream::stop_watchdog() {
    if (watch_->stopped) return;
    watch_->stopped = true;
    watch_->sock = nullptr;
    watch_->timer.cancel();
}

awaitable<void> Stream::watchdog(std::shared_ptr<Watch> w) {
    while (!w->stopped) {
        w->timer.expires_at(std::min(w->deadline, w->command_deadline));
        boost::system::error_code ec;
        co_await w->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (w->stopped) co_return;
        auto now = std::chrono::steady_clock::now();
        if (now >= w->deadline || now >= w->command_deadline) {
            w->timed_out = true;
            w->command_deadline = std::chrono::steady_clock::time_point::max();
            w->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            boost::system::error_code ignored;
            if (w->sock) w->sock->cancel(ignored);
        }
    }
}

}  // namespace magpie::net
