// The IMAP server: one coroutine per connection driving the pure imap::Session over a
// Stream (STARTTLS on 143, implicit TLS on 993), with IDLE woken by mailbox changes.
#pragma once
#include <atomic>

#include "auth/throttle.h"
#include "core/config.h"
#include "filter/bayes_classifier.h"
#include "mailbox/registry.h"
#include "net/admission.h"
#include "net/asio.h"
#include "net/conn_limits.h"
#include "net/registry.h"
#include "store/directory.h"

namespace magpie::imap {

struct ServerContext {
    const Config& cfg;
    store::SnapshotCache& directory;
    mailbox::Registry& registry;
    net::ConnCounter& user_conns;  // per "user ip", shared with POP3
    net::SessionRegistry& sessions;
    net::ssl::context& tls;
    net::asio::thread_pool& blocking;
    std::atomic<bool>& stopping;
    filter::Bayes* bayes = nullptr;  // trained by moves into and out of Junk
    auth::LoginThrottle* throttle = nullptr;  // password-guessing throttle; null: none
};

// Runs one admitted connection (the front door's ticket is held until it ends).
net::awaitable<void> run_session(net::tcp::socket sock, bool implicit_tls, ServerContext& ctx, std::string ip,
                                 net::Ticket ticket);
// The untagged BYE that refuses a connection over a limit.
std::string refusal(net::Refusal r);

}  // namespace magpie::imap
