// One outbound SMTP connection (RFC 5321 client): greeting, EHLO (HELO fallback),
// STARTTLS (opportunistic, or required with certificate verification), AUTH PLAIN/LOGIN,
// and transactions with PIPELINING, SIZE, 8BITMIME, SMTPUTF8, DSN and CHUNKING when the
// peer offers them. Reusable for several messages (RSET between them).
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/asio.h"
#include "queue/queue_file.h"
#include "smtp/proto/client.h"

namespace magpie::net {
class Stream;
}

namespace magpie::outbound {

struct ClientOptions {
    std::string helo;
    bool tls_required = false;  // refuse to go on without verified TLS
    std::string username, password;
    std::chrono::seconds command_timeout{300};
    std::chrono::seconds connect_timeout{30};
};

// Why a step failed; `permanent` failures bounce, the rest are retried.
struct Failure {
    bool permanent = false;
    std::string status;      // RFC 3463 code, e.g. "4.4.1"
    std::string diagnostic;  // human text for logs, deferral reasons and DSNs
    std::string smtp_reply;  // "550 5.1.1 ..." when the peer said it (DSN Diagnostic-Code)
    bool try_next_host = true;  // connection-level trouble: another MX may do better
    std::string peer;           // "host[ip]:port" once connected; empty before
};

// Produces the message bytes in pieces; returns false when there is nothing more.
using BodySource = std::function<bool(std::string& chunk)>;

struct TxResult {
    std::optional<Failure> failure;   // whole transaction (MAIL, DATA, connection)
    std::vector<std::optional<Failure>> rcpt;  // per recipient: nullopt = accepted
    std::string reply;                // final reply text on success ("250 2.0.0 Ok: queued as X")
};

class SmtpClient {
public:
    SmtpClient(net::asio::any_io_executor ex, net::ssl::context& tls);
    ~SmtpClient();

    net::awaitable<std::optional<Failure>> open(const net::tcp::endpoint& ep, const std::string& host,
                                                 const ClientOptions& opts);
    // rcpts: (recipient with DSN params, address to use in RCPT TO).
    net::awaitable<TxResult> send(const queue::Envelope& env,
                                  const std::vector<std::pair<queue::Recipient, std::string>>& rcpts,
                                  int64_t size, const BodySource& body);
    net::awaitable<bool> reset();
    net::awaitable<void> quit();

    bool usable() const { return usable_; }
    const smtp::EhloCaps& caps() const { return caps_; }
    const std::string& peer() const { return peer_; }  // "host[ip]:port"
    bool tls() const;

private:
    net::awaitable<std::optional<smtp::ClientReply>> read_reply();
    net::awaitable<bool> write(const std::string& data);
    net::awaitable<std::optional<Failure>> ehlo();
    Failure reply_failure(const smtp::ClientReply& r, std::string_view after) const;
    Failure io_failure(std::string_view what) const;

    net::asio::any_io_executor ex_;
    net::ssl::context& tls_ctx_;
    std::unique_ptr<net::Stream> stream_;
    std::string in_;
    std::string peer_;
    std::string host_;
    ClientOptions opts_;
    smtp::EhloCaps caps_;
    bool usable_ = false;
};

}  // namespace magpie::outbound
