// POP3 connection handling: reads command lines, runs the Session's steps, writes replies
// (flushed before every read, which is what PIPELINING needs), enforces the per-user
// connection limit (the per-IP ones are the front door's) and the idle timeout, streams
// messages and applies QUIT.
#include "pop3/server.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <optional>

#include "auth/authenticator.h"
#include "core/fs.h"
#include "core/log.h"
#include "mailbox/flags.h"
#include "net/blocking.h"
#include "net/login_gate.h"
#include "net/peer.h"
#include "net/stream.h"
#include "pop3/proto/limits.h"
#include "pop3/proto/message_encoder.h"
#include "pop3/proto/session.h"

namespace magpie::pop3 {

namespace asio = net::asio;
using net::awaitable;

namespace {

constexpr size_t kReadChunk = 16 * 1024;

class FileHandle {
  public:
    FileHandle() = default;
    ~FileHandle() { reset(); }
    FileHandle(const FileHandle&) = delete;
    FileHandle& operator=(const FileHandle&) = delete;
    void open(const std::string& path) {
        reset();
        fd_ = fs::open_read(path);
    }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    int fd() const { return fd_; }

  private:
    int fd_ = -1;
};

class Connection : public std::enable_shared_from_this<Connection> {
  public:
    Connection(net::tcp::socket sock, Listener listener, ServerContext& ctx, std::string ip, net::Ticket ticket)
        : ctx_(ctx), stream_(std::move(sock), ctx.tls), listener_(listener), ip_(std::move(ip)),
          ticket_(std::move(ticket)) {}

    awaitable<void> run();

  private:
    awaitable<bool> fill();  // reads more input; false on EOF/error/timeout
    awaitable<void> flush();
    awaitable<void> send(std::string& data);
    void write_log();
    awaitable<Next> read_line();
    awaitable<Next> do_auth();
    awaitable<Next> do_open();
    awaitable<Next> do_send();
    awaitable<Next> do_update();

    ServerContext& ctx_;
    net::Stream stream_;
    Listener listener_;
    std::unique_ptr<Session> session_;
    std::string ip_;
    net::Ticket ticket_;  // the front door's admission, held while the session runs
    std::string in_;
    std::string pending_out_;
    size_t scanned_ = 0;
    bool eof_ = false;
    bool lost_ = false;
    std::optional<net::ConnGuard> user_guard_;
    std::shared_ptr<mailbox::Store> store_;
    std::shared_ptr<mailbox::Folder> inbox_;
};

awaitable<bool> Connection::fill() {
    co_await flush();
    // Checked on the connection's strand right before the read starts: a shutdown either
    // is seen here or cancels the read it finds pending (net::SessionRegistry).
    if (eof_ || ctx_.stopping) co_return false;
    size_t old = in_.size();
    in_.resize(old + kReadChunk);
    try {
        size_t n = co_await stream_.read_some(in_.data() + old, kReadChunk);
        in_.resize(old + n);
        co_return true;
    } catch (const boost::system::system_error& e) {
        in_.resize(old);
        // A cancelled read (timeout, shutdown) still lets us send a last reply.
        if (e.code() != asio::error::operation_aborted) eof_ = true;
        co_return false;
    }
}

awaitable<void> Connection::send(std::string& data) {
    if (data.empty() || eof_) co_return;
    try {
        co_await stream_.write(data);
    } catch (const boost::system::system_error&) {
        eof_ = true;
        lost_ = true;
    }
    data.clear();
}

awaitable<void> Connection::flush() {
    pending_out_ += session_->take_output();
    write_log();
    co_await send(pending_out_);
}

void Connection::write_log() {
    for (auto& [component, text] : session_->take_log()) log::info(component, "{}", text);
}

// One command or SASL line. An overlong one is dropped up to its LF and answered once.
awaitable<Next> Connection::read_line() {
    for (;;) {
        size_t limit = session_->line_limit();
        auto lf = in_.find('\n', scanned_);
        if (lf == std::string::npos) {
            // However slowly its bytes come, a line has command_deadline to complete.
            if (!in_.empty())
                stream_.arm_command_deadline(std::chrono::seconds(session_->settings().command_deadline));
            if (in_.size() > limit + 1) {
                in_.clear();
                scanned_ = 0;
                for (;;) {
                    if (!co_await fill()) break;
                    auto e = in_.find('\n');
                    if (e != std::string::npos) {
                        in_.erase(0, e + 1);
                        break;
                    }
                    in_.clear();
                }
                if (eof_) {
                    lost_ = true;
                    co_return Next::Close;
                }
                if (stream_.timed_out()) co_return session_->on_timeout();
                if (ctx_.stopping) co_return session_->on_shutdown();
                stream_.disarm_command_deadline();
                co_return session_->on_line_too_long();
            }
            scanned_ = in_.size();
            if (co_await fill()) continue;
            if (stream_.timed_out()) co_return session_->on_timeout();
            if (ctx_.stopping) co_return session_->on_shutdown();
            lost_ = true;
            co_return Next::Close;
        }
        stream_.disarm_command_deadline();
        std::string_view line(in_.data(), lf);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        Next next = Next::Line;
        session_->set_snapshot(ctx_.directory.get());
        if (line.size() > limit)
            next = session_->on_line_too_long();
        else
            next = session_->on_line(line);
        in_.erase(0, lf + 1);
        scanned_ = 0;
        co_return next;
    }
}

awaitable<Next> Connection::do_auth() {
    AuthRequest req = session_->auth_request();
    auto snap = ctx_.directory.get();
    std::optional<auth::MailLogin> login;
    // The password-guessing throttle first (docs/security.md): a blocked address is
    // answered as a failed login without a check.
    bool turn = co_await net::login_turn(ctx_.throttle, snap->settings, ip_, req.authcid);
    if (turn) {
        login = co_await net::run_blocking(ctx_.blocking, [&snap, &req]() {
            return auth::authenticate_mail(*snap, req.authzid, req.authcid, req.password);
        });
        net::login_result(ctx_.throttle, snap->settings, ip_, req.authcid, login.has_value());
    }
    req.password.assign(req.password.size(), '\0');
    if (!login) {
        asio::steady_timer t(co_await asio::this_coro::executor);
        t.expires_after(std::chrono::milliseconds(session_->auth_failure_delay_ms()));
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return session_->on_auth_result(login);
}

awaitable<Next> Connection::do_open() {
    const std::string user = session_->user();
    const std::string key = user + " " + ip_;
    auto [count, total] = ctx_.user_conns.add(key);
    user_guard_.emplace(ctx_.user_conns, key);
    int64_t limit = session_->settings().mail_max_connections_per_user_ip;
    if (count > limit) {
        user_guard_.reset();
        log::info("pop3", "warning: too many connections for {} from {} ({} open, limit {})", user,
                  ip_, count - 1, limit);
        co_return session_->on_maildrop_error(MaildropError::InUse);
    }
    Maildrop drop;
    std::string error;
    std::shared_ptr<mailbox::Store> store;
    std::shared_ptr<mailbox::Folder> inbox;
    auto& registry = ctx_.mailboxes;
    auto& sizes = ctx_.sizes;
    bool ok = co_await net::run_blocking(
        ctx_.blocking, [&registry, &sizes, &user, &store, &inbox, &drop, &error]() {
            try {
                store = registry.store(user);
                inbox = store->folder("INBOX");
                if (!inbox) throw std::runtime_error("no INBOX");
                drop = load_maildrop(*inbox, sizes);
                return true;
            } catch (const std::exception& e) {
                error = e.what();
                return false;
            }
        });
    if (!ok) {
        user_guard_.reset();
        log::info("pop3(" + user + ")", "Error: cannot open INBOX: {}", error);
        co_return session_->on_maildrop_error(MaildropError::Temporary);
    }
    store_ = std::move(store);
    inbox_ = std::move(inbox);
    co_return session_->on_maildrop(std::move(drop));
}

awaitable<Next> Connection::do_send() {
    const SendRequest req = session_->send_request();
    FileHandle file;
    if (auto info = inbox_->message(req.uid)) file.open(info->path);
    if (file.fd() < 0) {
        // Renamed (flags changed elsewhere) or expunged: look again.
        auto& inbox = inbox_;
        auto& f = file;
        co_await net::run_blocking(ctx_.blocking, [&inbox, &f, &req]() {
            try {
                inbox->sync(false);
                if (auto info = inbox->message(req.uid)) f.open(info->path);
            } catch (const std::exception&) {
            }
            return true;
        });
    }
    if (file.fd() < 0) co_return session_->on_send_missing();
    session_->on_send_begin();
    // The status line goes out in one write with the start of the message (a small
    // message: status, message and terminator in one), not in a write of its own.
    pending_out_ += session_->take_output();
    write_log();
    std::string out = std::move(pending_out_);
    pending_out_.clear();
    size_t status = out.size();
    MessageEncoder enc(req.body_lines, true);
    auto buf = std::make_unique_for_overwrite<char[]>(kSendChunk);
    uint64_t sent = 0;
    while (!enc.done() && !eof_) {
        ssize_t n = ::read(file.fd(), buf.get(), kSendChunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // a read error ends the data early; the terminator still follows
        enc.feed(std::string_view(buf.get(), static_cast<size_t>(n)), out);
        if (out.size() >= kSendChunk) {
            sent += out.size() - status;
            status = 0;
            co_await send(out);
        }
    }
    file.reset();
    enc.finish(out);
    sent += out.size() - status;
    out += kTerminator;
    co_await send(out);
    session_->on_sent(sent);
    co_return Next::Line;
}

// RFC 1939 §6 UPDATE: \Seen on retrieved messages (as Dovecot does), then the deletions.
awaitable<Next> Connection::do_update() {
    std::vector<uint32_t> del = session_->deleted_uids();
    std::vector<uint32_t> seen = session_->seen_uids();
    std::string error;
    auto& inbox = inbox_;
    auto& registry = ctx_.mailboxes;
    size_t removed = co_await net::run_blocking(
        ctx_.blocking, [&inbox, &registry, &del, &seen, &error]() -> size_t {
            try {
                inbox->sync(false);
                if (!seen.empty())
                    inbox->store_flags(seen, mailbox::FlagOp::Add, mailbox::kSeen, {});
                if (!del.empty()) inbox->expunge_uids(del);
            } catch (const std::exception& e) {
                error = e.what();
            }
            size_t gone = 0;
            try {
                for (uint32_t uid : del) gone += inbox->message(uid) ? 0 : 1;
            } catch (const std::exception&) {
            }
            if (!seen.empty() || !del.empty()) registry.notify(inbox->dir());
            return gone;
        });
    if (!error.empty()) log::info("pop3(" + session_->user() + ")", "Error: QUIT: {}", error);
    co_return session_->on_update_done(removed);
}

awaitable<void> Connection::run() {
    auto snap = ctx_.directory.get();
    boost::system::error_code ec;
    auto local = stream_.socket().local_endpoint(ec);

    SessionInfo info;
    info.hostname = ctx_.cfg.hostname;
    info.client_ip = IpAddr::parse(ip_).value_or(IpAddr{});
    info.local_ip = ec ? std::string() : net::plain_ip(local.address());
    info.tls_available = listener_ == Listener::Pop3;
    session_ = std::make_unique<Session>(info, snap);

    auto exec = co_await asio::this_coro::executor;
    std::weak_ptr<Connection> weak = weak_from_this();
    uint64_t reg = net::on_shutdown(ctx_.sessions, exec, [weak]() {
        if (auto self = weak.lock()) {
            boost::system::error_code ignored;
            self->stream_.socket().cancel(ignored);
        }
    });
    stream_.set_timeout(std::chrono::seconds(snap->settings.pop3_idle_timeout));
    stream_.start_watchdog();

    Next next = Next::Line;
    if (listener_ == Listener::Pop3s) {
        if (!co_await stream_.handshake()) {
            log::info("pop3-login", "TLS handshake failed with [{}]", ip_);
            eof_ = true;
            next = Next::Close;
        } else {
            session_->on_tls_started();
        }
    }
    if (next != Next::Close) pending_out_ += session_->greeting();

    while (next != Next::Close) {
        if (ctx_.stopping) {
            next = session_->on_shutdown();
            break;
        }
        switch (next) {
            case Next::Line:
            case Next::AuthLine:
                next = co_await read_line();
                break;
            case Next::VerifyAuth:
                next = co_await do_auth();
                break;
            case Next::OpenMaildrop:
                next = co_await do_open();
                break;
            case Next::SendMessage:
                next = co_await do_send();
                break;
            case Next::Update:
                next = co_await do_update();
                break;
            case Next::StartTls: {
                co_await flush();
                in_.clear();  // RFC 2595 §4: nothing pipelined before TLS is used after it
                scanned_ = 0;
                if (!co_await stream_.handshake()) {
                    log::info("pop3-login", "TLS handshake failed with [{}]", ip_);
                    eof_ = true;
                    next = Next::Close;
                    break;
                }
                next = session_->on_tls_started();
                break;
            }
            case Next::Close:
                break;
        }
        if (eof_) break;
    }
    session_->on_closed(lost_ || eof_);
    pending_out_ += session_->take_output();
    write_log();
    co_await send(pending_out_);
    stream_.stop_watchdog();
    stream_.close();
    ctx_.sessions.remove(reg);
    user_guard_.reset();
    inbox_.reset();
    store_.reset();
}

}  // namespace

std::string refusal(net::Refusal r) {
    // RFC 2449 §8 / RFC 3206 §4: SYS/TEMP, a transient problem of the server.
    if (r == net::Refusal::PerIp) return "-ERR [SYS/TEMP] Too many connections from your IP address.\r\n";
    return "-ERR [SYS/TEMP] Too many connections, try again later.\r\n";
}

awaitable<void> run_session(net::tcp::socket sock, Listener listener, ServerContext& ctx, std::string ip,
                            net::Ticket ticket) {
    // Replies are written whole; Nagle would hold the tail of each behind a delayed ACK.
    boost::system::error_code ec;
    sock.set_option(net::tcp::no_delay(true), ec);
    auto c = std::make_shared<Connection>(std::move(sock), listener, ctx, std::move(ip), std::move(ticket));
    co_await c->run();
}

}  // namespace magpie::pop3
