// The POP3 server: one coroutine per connection driving the pure pop3::Session over a
// Stream (STLS on pop3, implicit TLS on pop3s), with password checks, maildrop loading and
// deletions on the blocking pool and messages streamed from the Maildir.
#pragma once
#include <atomic>

#include "core/config.h"
#include "mailbox/registry.h"
#include "net/asio.h"
#include "net/conn_limits.h"
#include "net/registry.h"
#include "pop3/proto/maildrop.h"
#include "store/directory.h"

namespace magpie::pop3 {

enum class Listener { Pop3, Pop3s };

struct ServerContext {
    const Config& cfg;
    store::SnapshotCache& directory;
    mailbox::Registry& mailboxes;
    SizeCache& sizes;
    net::ConnCounter& conns;       // POP3 connections per client IP
    net::ConnCounter& user_conns;  // IMAP and POP3 sessions per "user ip"
    net::SessionRegistry& sessions;
    net::ssl::context& tls;
    net::asio::thread_pool& blocking;
    std::atomic<bool>& stopping;
};

net::awaitable<void> run_session(net::tcp::socket sock, Listener listener, ServerContext& ctx);
// Accepts connections until the acceptor is closed, one strand per connection.
net::awaitable<void> accept_loop(net::tcp::acceptor& acc, Listener listener, ServerContext& ctx);

}  // namespace magpie::pop3
