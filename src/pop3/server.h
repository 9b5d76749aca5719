// The POP3 server: one coroutine per connection driving the pure pop3::Session over a
// Stream (STLS on pop3, implicit TLS on pop3s), with password checks, maildrop loading and
// deletions on the blocking pool and messages streamed from the Maildir.
#pragma once
#include <atomic>

#include "auth/throttle.h"
#include "core/config.h"
#include "mailbox/registry.h"
#include "net/admission.h"
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
    net::ConnCounter& user_conns;  // IMAP and POP3 sessions per "user ip"
    net::SessionRegistry& sessions;
    net::ssl::context& tls;
    net::asio::thread_pool& blocking;
    std::atomic<bool>& stopping;
    auth::LoginThrottle* throttle = nullptr;  // password-guessing throttle; null: none
};

// Runs one admitted connection (the front door's ticket is held until it ends).
net::awaitable<void> run_session(net::tcp::socket sock, Listener listener, ServerContext& ctx, std::string ip,
                                 net::Ticket ticket);
// The -ERR line that refuses a connection over a limit.
std::string refusal(net::Refusal r);

}  // namespace magpie::pop3
