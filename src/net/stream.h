// A client connection that starts in plaintext or TLS and can switch to TLS (STARTTLS),
// with an idle deadline enforced by a watchdog timer on the connection's strand.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "net/asio.h"

namespace magpie::net {

class Stream {
public:
    Stream(tcp::socket sock, ssl::context& tls);
    bool tls() const { return tls_; }
    // Runs the server-side handshake; returns false (and logs nothing) on failure.
    awaitable<bool> handshake();
    // Client side (STARTTLS to a next hop): SNI `host`; with `verify`, the chain must check
    // against the context's CA store and the certificate must name `host`. On failure
    // `error` says why.
    awaitable<bool> client_handshake(const std::string& host, bool verify, std::string& error);
    // "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"
    std::string tls_info();
    awaitable<size_t> read_some(char* buf, size_t n);  // throws on error/EOF
    // Waits until the socket has data (at once on TLS, whose records may be buffered), so
    // an idle connection need not hold a read buffer. Throws on error or cancellation.
    awaitable<void> wait_readable();
    awaitable<void> write(std::string_view data);
    void close();
    tcp::socket& socket() { return tls_stream_ ? tls_stream_->next_layer() : sock_; }

    // Idle timeout: the watchdog closes the socket when the deadline passes.
    void set_timeout(std::chrono::seconds t);
    // A deadline for the command (line) being read, which reads do not move: armed when its
    // first bytes arrive, disarmed when it is complete. When it passes the watchdog acts as
    // for the idle timeout (timed_out() turns true). Arming an armed deadline keeps it.
    void arm_command_deadline(std::chrono::seconds t);
    void disarm_command_deadline();
    bool timed_out() const { return watch_->timed_out; }
    ~Stream();
    void start_watchdog();
    void stop_watchdog();

private:
    // Shared with the watchdog coroutine, which may outlive the Stream by one wake-up.
    struct Watch {
        explicit Watch(const asio::any_io_executor& ex) : timer(ex) {}
        asio::steady_timer timer;
        std::chrono::steady_clock::time_point deadline;
        std::chrono::steady_clock::time_point command_deadline = std::chrono::steady_clock::time_point::max();
        tcp::socket* sock = nullptr;
        bool stopped = false;
        bool timed_out = false;
    };
    static awaitable<void> watchdog(std::shared_ptr<Watch> w);
    void touch();

    // The TLS layer (and its two 17 KB record buffers) exists from the first handshake on;
    // it then owns the socket.
    ssl::stream<tcp::socket>& tls_layer();

    tcp::socket sock_;
    ssl::context& ctx_;
    std::unique_ptr<ssl::stream<tcp::socket>> tls_stream_;
    std::shared_ptr<Watch> watch_;
    std::chrono::seconds timeout_{300};
    bool tls_ = false;
};

}  // namespace magpie::net
