// IMAP connection handling: reads commands with imap::CommandReader (literals, limits,
// continuation requests), runs each on the blocking pool through imap::Session, writes
// responses in chunks, switches to TLS, and runs IDLE with a pusher coroutine that the
// mailbox registry wakes on every change to the selected folder.
#include "imap/server.h"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "core/log.h"
#include "core/strings.h"
#include "imap/proto/reader.h"
#include "imap/proto/response.h"
#include "imap/session/session.h"
#include "net/blocking.h"
#include "net/login_gate.h"
#include "net/peer.h"
#include "net/stream.h"

namespace magpie::imap {

namespace asio = net::asio;
using net::awaitable;

namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxIdleLine = 1024;
// External changes (other processes) are found this often during IDLE; the server's own
// deliveries and sessions wake it at once through the registry.
constexpr auto kIdlePoll = std::chrono::seconds(5);

// RFC 9051 §6.2.2, §6.2.3: "tag LOGIN ..." or "tag AUTHENTICATE ...".
bool is_login_command(std::string_view raw) {
    auto sp = raw.find(' ');
    if (sp == std::string_view::npos) return false;
    auto rest = raw.substr(sp + 1);
    auto end = rest.find_first_of(" \r\n");
    auto verb = rest.substr(0, end);
    return iequals(verb, "LOGIN") || iequals(verb, "AUTHENTICATE");
}

void write_log(const std::string& line) {
    auto p = line.find(": ");
    if (p == std::string::npos) {
        log::write_line("imap", line);
    } else {
        log::write_line(std::string_view(line).substr(0, p), std::string_view(line).substr(p + 2));
    }
}

struct IdleState {
    explicit IdleState(const asio::any_io_executor& ex) : wake(ex), finished(ex) {}
    asio::steady_timer wake;
    asio::steady_timer finished;
    bool done = false;
    bool running = true;
};

class Connection : public std::enable_shared_from_this<Connection> {
  public:
    Connection(net::tcp::socket sock, bool implicit_tls, ServerContext& ctx, std::string ip, net::Ticket ticket)
        : ctx_(ctx), stream_(std::move(sock), ctx.tls), implicit_tls_(implicit_tls), ip_(std::move(ip)),
          ticket_(std::move(ticket)) {}

    awaitable<void> run();

  private:
    awaitable<bool> fill();
    awaitable<bool> send(const std::string& out);
    awaitable<bool> handle(Step step, std::string& out);
    awaitable<bool> idle();
    awaitable<void> serve(bool alive);
    awaitable<void> idle_pusher(std::shared_ptr<IdleState> st);
    ReaderLimits limits() const;

    ServerContext& ctx_;
    net::Stream stream_;
    bool implicit_tls_;
    std::string ip_;
    net::Ticket ticket_;  // the front door's admission, held while the session runs
    std::unique_ptr<Session> session_;
    std::unique_ptr<CommandReader> reader_;
    std::string in_;
    bool eof_ = false;
    bool in_auth_ = false;
    bool full_limits_ = false;  // the reader has the logged-in limits
};

ReaderLimits Connection::limits() const {
    ReaderLimits l;
    if (!session_->authenticated()) {
        // Before login a command is a few KB at most, literals included (as Dovecot's login
        // processes do), so an unauthenticated client cannot make the server hold more.
        auto max = static_cast<size_t>(std::max<int64_t>(1024, ctx_.directory.get()->settings.imap_login_max_command));
        l.max_line = std::min(l.max_line, max);
        l.max_command = std::min(l.max_command, max);
        l.max_literal = std::min(l.max_literal, max);
        l.max_nonsync_literal = std::min(l.max_nonsync_literal, max);
        return l;
    }
    l.max_literal = session_->max_literal();
    l.max_nonsync_literal = l.max_literal;  // LITERAL+ (RFC 7888)
    l.max_command = std::max(l.max_command, l.max_literal + (1u << 20));
    return l;
}

awaitable<bool> Connection::fill() {
    // Checked on the connection's strand right before the read starts: a shutdown either
    // is seen here or cancels the read it finds pending (net::SessionRegistry).
    if (eof_ || ctx_.stopping) co_return false;
    try {
        if (in_.empty()) {
            std::string().swap(in_);
            co_await stream_.wait_readable();
        }
    } catch (const boost::system::system_error& e) {
        if (e.code() != asio::error::operation_aborted) eof_ = true;
        co_return false;
    }
    size_t old = in_.size();
    in_.resize(old + kReadChunk);
    try {
        size_t n = co_await stream_.read_some(in_.data() + old, kReadChunk);
        in_.resize(old + n);
        co_return true;
    } catch (const boost::system::system_error& e) {
        in_.resize(old);
        // A cancelled read (timeout, shutdown) still lets us send a last response.
        if (e.code() != asio::error::operation_aborted) eof_ = true;
        co_return false;
    }
}

awaitable<bool> Connection::send(const std::string& out) {
    if (out.empty() || eof_) co_return !eof_;
    try {
        co_await stream_.write(out);
        co_return true;
    } catch (const boost::system::system_error&) {
        eof_ = true;
        co_return false;
    }
}

// Performs what a step asks after its output; false when the connection ends.
awaitable<bool> Connection::handle(Step step, std::string& out) {
    if (step.delay_ms > 0) {
        asio::steady_timer t(co_await asio::this_coro::executor);
        t.expires_after(std::chrono::milliseconds(step.delay_ms));
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    // A long response (FETCH of many bodies) comes in chunks: the next one is made on the
    // blocking pool while the last one is written.
    std::string next;
    while (step.action == Action::More) {
        using namespace asio::experimental::awaitable_operators;
        next.clear();
        auto [sent, more] = co_await (
            send(out) && net::run_blocking(ctx_.blocking, [&]() { return session_->more(next); }));
        if (!sent) co_return false;
        step = more;
        out.swap(next);
    }
    if (!co_await send(out)) co_return false;
    out.clear();
    if (out.capacity() > kReadChunk) std::string().swap(out);  // after a long response
    in_auth_ = step.action == Action::AuthContinue;
    switch (step.action) {
        case Action::Logout:
            co_return false;
        case Action::StartTls: {
            // RFC 9051 §6.2.1: nothing pipelined after STARTTLS may be used.
            in_.clear();
            reader_ = std::make_unique<CommandReader>(limits());
            if (!co_await stream_.handshake()) {
                log::info("imap-login", "Disconnected: TLS handshake failed, rip={}", ip_);
                co_return false;
            }
            session_->tls_started();
            co_return true;
        }
        case Action::Idle:
            co_return co_await idle();
        default:
            co_return true;
    }
}

awaitable<void> Connection::idle_pusher(std::shared_ptr<IdleState> st) {
    auto self = shared_from_this();
    while (!st->done) {
        st->wake.expires_after(kIdlePoll);
        boost::system::error_code ec;
        co_await st->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (st->done) break;
        std::string out;
        co_await net::run_blocking(ctx_.blocking, [&]() {
            session_->idle_poll(out);
            return 0;
        });
        if (st->done) {
            // The reader took DONE meanwhile; these updates go out before the tagged OK.
            if (!out.empty()) co_await send(out);
            break;
        }
        if (!co_await send(out)) break;
    }
    st->running = false;
    st->finished.cancel();
}

awaitable<bool> Connection::idle() {
    auto ex = co_await asio::this_coro::executor;
    auto st = std::make_shared<IdleState>(ex);
    std::string dir = session_->watched_dir();
    uint64_t watch = 0;
    if (!dir.empty()) {
        watch =
            ctx_.registry.watch(dir, [st, ex]() { asio::post(ex, [st]() { st->wake.cancel(); }); });
    }
    asio::co_spawn(ex, idle_pusher(st), asio::detached);
    std::string line;
    bool ok = false;
    for (;;) {
        auto lf = in_.find('\n');
        if (lf != std::string::npos) {
            line = in_.substr(0, lf + 1);
            in_.erase(0, lf + 1);
            ok = true;
            break;
        }
        if (in_.size() > kMaxIdleLine || ctx_.stopping) break;
        if (!co_await fill()) break;
    }
    st->done = true;
    st->wake.cancel();
    while (st->running) {
        st->finished.expires_after(std::chrono::seconds(5));
        boost::system::error_code ec;
        co_await st->finished.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (watch) ctx_.registry.unwatch(watch);
    if (!ok) co_return false;
    std::string out;
    co_await net::run_blocking(ctx_.blocking, [&]() { return session_->idle_done(line, out); });
    co_return co_await send(out);
}

awaitable<void> Connection::run() {
    auto settings = ctx_.directory.get()->settings;
    auto exec = co_await asio::this_coro::executor;
    std::weak_ptr<Connection> weak = weak_from_this();
    uint64_t reg = net::on_shutdown(ctx_.sessions, exec, [weak]() {
        if (auto self = weak.lock()) {
            boost::system::error_code ignored;
            self->stream_.socket().cancel(ignored);
        }
    });
    stream_.set_timeout(std::chrono::seconds(settings.imap_idle_timeout));
    stream_.start_watchdog();

    SessionEnv env;
    env.hostname = ctx_.cfg.hostname;
    env.client_ip = ip_;
    env.tls = false;
    env.starttls_ok = !implicit_tls_;
    env.snapshot = [this]() { return ctx_.directory.get(); };
    env.registry = &ctx_.registry;
    env.bayes = ctx_.bayes;
    std::string ip = ip_;
    net::ConnCounter* uc = &ctx_.user_conns;
    env.acquire_user = [uc, ip, this](const std::string& user) {
        auto [n, total] = uc->add(user + " " + ip);
        if (n > ctx_.directory.get()->settings.mail_max_connections_per_user_ip) {
            uc->remove(user + " " + ip);
            return false;
        }
        return true;
    };
    env.release_user = [uc, ip](const std::string& user) { uc->remove(user + " " + ip); };
    env.log = write_log;

    bool alive = true;
    if (implicit_tls_) {
        alive = co_await stream_.handshake();
        if (!alive) log::info("imap-login", "Disconnected: TLS handshake failed, rip={}", ip_);
        env.tls = alive;
    }
    if (alive) {
        session_ = std::make_unique<Session>(std::move(env));
        reader_ = std::make_unique<CommandReader>(limits());
        alive = co_await send(session_->greeting());
    }
    try {
        co_await serve(alive);
    } catch (const std::exception& e) {
        log::info("imap", "error: session from {} ended: {}", ip_, e.what());
    }
    stream_.stop_watchdog();
    stream_.close();
    ctx_.sessions.remove(reg);
    std::string user = session_ ? session_->user() : "";
    session_.reset();
    if (!user.empty()) log::info("imap(" + user + ")", "Disconnected: Logged out rip={}", ip_);
}

awaitable<void> Connection::serve(bool alive) {
    std::string out;
    while (alive) {
        if (ctx_.stopping) {
            co_await send(untagged(Status::Bye, "", "Server shutting down"));
            break;
        }
        ReadResult r = reader_->feed(in_);
        in_.erase(0, r.used);
        switch (r.status) {
            case ReadStatus::NeedMore:
                // Before login a command has command_deadline to arrive, however slowly.
                if (!session_->authenticated() && reader_->mid_command()) {
                    stream_.arm_command_deadline(
                        std::chrono::seconds(ctx_.directory.get()->settings.command_deadline));
                }
                if (!co_await fill()) {
                    if (stream_.timed_out()) {
                        eof_ = false;
                        co_await send(untagged(Status::Bye, "", "Autologout; idle for too long"));
                    } else if (ctx_.stopping && !eof_) {
                        co_await send(untagged(Status::Bye, "", "Server shutting down"));
                    }
                    alive = false;
                }
                break;
            case ReadStatus::Command: {
                stream_.disarm_command_deadline();
                Step step;
                std::string_view raw = reader_->command();
                // LOGIN and AUTHENTICATE wait for the address's turn in the password-guessing
                // throttle (docs/security.md); a blocked address is answered as failed.
                const bool login = !in_auth_ && !session_->authenticated() && is_login_command(raw);
                const int failures_before = session_->auth_failures();
                if (login) {
                    auto snap = ctx_.directory.get();
                    bool turn = co_await net::login_turn(ctx_.throttle, snap->settings, ip_, "");
                    if (!turn) {
                        log::info("imap-login", "Disconnected: auth failed (address blocked), rip={}", ip_);
                        alive = co_await send(reader_->tag() + " NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
                        break;
                    }
                    raw = reader_->command();
                }
                if (in_auth_) {
                    step = co_await net::run_blocking(
                        ctx_.blocking, [&]() { return session_->auth_line(raw, out); });
                } else {
                    step = co_await net::run_blocking(
                        ctx_.blocking, [&]() { return session_->command(raw, out); });
                }
                if (session_->auth_failures() > failures_before || (session_->authenticated() && !full_limits_)) {
                    auto snap = ctx_.directory.get();
                    net::login_result(ctx_.throttle, snap->settings, ip_, session_->last_login(),
                                      session_->authenticated());
                }
                alive = co_await handle(step, out);
                if (alive && !full_limits_ && session_->authenticated()) {
                    // Between commands: nothing of the next one is in the reader yet.
                    reader_ = std::make_unique<CommandReader>(limits());
                    full_limits_ = true;
                }
                break;
            }
            case ReadStatus::Continuation: {
                stream_.disarm_command_deadline();
                std::string_view partial = reader_->command();
                size_t size = reader_->literal_size();
                std::string refusal = co_await net::run_blocking(
                    ctx_.blocking, [&]() { return session_->literal_refusal(partial, size); });
                if (!refusal.empty()) {
                    reader_->reject_literal();
                    alive = co_await send(refusal);
                } else {
                    reader_->accept_literal();
                    alive = co_await send(continuation("Ready for literal data"));
                }
                break;
            }
            case ReadStatus::Error: {
                stream_.disarm_command_deadline();
                in_auth_ = false;
                auto kind = reader_->error().kind;
                alive = co_await send(reader_->error().response());
                if (!session_->authenticated() && kind != ReadErrorKind::BadLiteral && kind != ReadErrorKind::TooDeep) {
                    // Too big before login: no reason to read the rest of it.
                    co_await send(untagged(Status::Bye, "", "Command too long before login"));
                    log::info("imap-login", "Disconnected: command too long before login, rip={}", ip_);
                    alive = false;
                }
                break;
            }
        }
    }
}

}  // namespace

std::string refusal(net::Refusal r) {
    // RFC 9051 §7.1.5 BYE as the greeting; RFC 5530 UNAVAILABLE.
    if (r == net::Refusal::PerIp) return untagged(Status::Bye, "UNAVAILABLE", "Too many connections from your address");
    return untagged(Status::Bye, "UNAVAILABLE", "Too many connections, try again later");
}

awaitable<void> run_session(net::tcp::socket sock, bool implicit_tls, ServerContext& ctx, std::string ip,
                            net::Ticket ticket) {
    // Responses are written whole; Nagle would hold the tail of each behind a delayed ACK.
    boost::system::error_code ec;
    sock.set_option(net::tcp::no_delay(true), ec);
    auto c = std::make_shared<Connection>(std::move(sock), implicit_tls, ctx, std::move(ip), std::move(ticket));
    co_await c->run();
}

}  // namespace magpie::imap
