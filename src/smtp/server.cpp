// SMTP connection handling: reads lines and message bodies, runs the Session's steps,
// writes replies (flushed before every read, which is what PIPELINING needs), enforces
// the idle timeout, and commits messages to the queue. Connection limits are the front
// door's (net/front_door.h); refusal() is SMTP's answer to a refused connection.
#include "smtp/server.h"

#include <ctime>

#include "auth/authenticator.h"
#include "core/log.h"
#include "net/blocking.h"
#include "net/login_gate.h"
#include "net/peer.h"
#include "net/stream.h"
#include "queue/quarantine_notice.h"
#include "queue/queue_file.h"
#include "mime/mapped_file.h"
#include "smtp/proto/data_reader.h"

namespace magpie::smtp {

namespace asio = net::asio;
using net::awaitable;

namespace {

constexpr size_t kReadChunk = 64 * 1024;

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(net::tcp::socket sock, Listener listener, ServerContext& ctx, std::string ip, net::Ticket ticket)
        : ctx_(ctx), stream_(std::move(sock), ctx.tls), listener_(listener), ip_(std::move(ip)),
          ticket_(std::move(ticket)) {}

    awaitable<void> run();

private:
    awaitable<bool> fill();  // reads more input; false on EOF/error/timeout
    awaitable<void> flush();
    void write_log();
    awaitable<Next> do_data();
    awaitable<Next> do_bdat();
    awaitable<Next> do_commit();
    awaitable<bool> run_filter(queue::Envelope& env);
    awaitable<void> notify_quarantine(const std::string& id);
    awaitable<Next> do_auth();
    bool open_message();
    void store_chunk(std::string& chunk);
    // Postfix's names: smtpd for the server on port 25 (smtp is the outbound client).
    const char* log_name() const { return listener_ == Listener::Smtp ? "smtpd" : listener_name(listener_); }

    ServerContext& ctx_;
    net::Stream stream_;
    Listener listener_;
    std::unique_ptr<Session> session_;
    std::string ip_;
    net::Ticket ticket_;  // the front door's admission, held while the session runs
    std::string in_;
    std::string pending_out_;
    bool eof_ = false;
    // The message being received.
    std::unique_ptr<queue::Writer> writer_;
    std::unique_ptr<DataReader> reader_;
    std::string write_error_;
    DataStats last_stats_;
    Next next_after_filter_ = Next::Line;
    std::optional<queue::QuarantineReport> quarantined_;  // set by run_filter
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

awaitable<void> Connection::flush() {
    pending_out_ += session_->take_output();
    write_log();
    if (pending_out_.empty()) co_return;
    std::string out = std::move(pending_out_);
    pending_out_.clear();
    try {
        co_await stream_.write(out);
    } catch (const boost::system::system_error&) {
        eof_ = true;
    }
}

void Connection::write_log() {
    for (auto& line : session_->take_log()) log::info(log_name(), "{}", line);
}

bool Connection::open_message() {
    if (writer_ || !write_error_.empty()) return true;
    try {
        writer_ = std::make_unique<queue::Writer>(ctx_.cfg.queue_dir(), queue::new_queue_id());
        writer_->append(session_->received_header(writer_->id(), std::time(nullptr)));
    } catch (const std::exception& e) {
        writer_.reset();
        write_error_ = e.what();
    }
    return true;
}

// Appends message bytes to the queue file; a write error (disk full) is kept for the reply
// at the end of the message, and the rest of the message is read and dropped.
void Connection::store_chunk(std::string& chunk) {
    if (writer_ && !chunk.empty()) {
        try {
            writer_->append(chunk);
        } catch (const std::exception& e) {
            write_error_ = e.what();
            writer_.reset();
        }
    }
    chunk.clear();
}

awaitable<Next> Connection::do_data() {
    open_message();
    DataReader reader(session_->data_limits(), true);
    std::string chunk;
    for (;;) {
        size_t used = reader.feed(in_, chunk);
        in_.erase(0, used);
        store_chunk(chunk);
        if (reader.done()) break;
        if (!co_await fill()) {
            log::info(log_name(), "lost connection after DATA from [{}]", ip_);
            writer_.reset();
            co_return Next::Close;
        }
    }
    last_stats_ = reader.stats();
    co_return session_->on_data_end(last_stats_);
}

awaitable<Next> Connection::do_bdat() {
    int64_t left = session_->bdat_size();
    bool discard = session_->message_discarding();
    if (!discard) {
        open_message();
        if (!reader_) reader_ = std::make_unique<DataReader>(session_->data_limits(), false);
    }
    std::string chunk;
    while (left > 0) {
        bool got = !in_.empty();  // no co_await inside && (GCC 12 coroutine bugs)
        if (!got) got = co_await fill();
        if (!got) {
            log::info(log_name(), "lost connection after BDAT from [{}]", ip_);
            writer_.reset();
            co_return Next::Close;
        }
        size_t take = std::min<size_t>(in_.size(), static_cast<size_t>(left));
        if (!discard) {
            reader_->feed(std::string_view(in_).substr(0, take), chunk);
            store_chunk(chunk);
        }
        in_.erase(0, take);
        left -= static_cast<int64_t>(take);
    }
    last_stats_ = discard ? DataStats{} : reader_->stats();
    co_return session_->on_bdat_chunk(last_stats_);
}

// Runs the filter over the received message; false when it was refused (the reply is
// then given and the queue file dropped).
awaitable<bool> Connection::run_filter(queue::Envelope& env) {
    auto snap = ctx_.directory.get();
    const auto& settings = snap->settings;
    if (!settings.filter_enabled) co_return true;
    filter::ScanRequest req;
    req.client_ip = ip_;
    req.sender = env.sender;
    for (const auto& r : env.recipients) req.recipients.push_back(r.address);
    auto ip = IpAddr::parse(ip_);
    req.relay_client = ip && settings.relay_from.contains(*ip);
    req.hostname = ctx_.cfg.hostname;
    req.helo = session_->helo();
    req.authenticated = !session_->auth_user().empty();
    req.now = std::time(nullptr);
    auto* w = writer_.get();
    const filter::Checks& checks = ctx_.filter;
    filter::Verdict v = co_await net::run_blocking(ctx_.blocking, [&]() {
        try {
            w->flush();
            mime::MappedFile file(w->tmp_path());
            req.data = file.data();
            return filter::scan(req, settings, checks);
        } catch (const std::exception& e) {
            filter::Verdict err;
            err.add("FILTER_ERROR", 0, e.what());
            return err;
        }
    });
    const char* action = "accept";
    switch (v.action) {
        case filter::Action::Accept: break;
        case filter::Action::Flag: action = "spam"; break;
        case filter::Action::Greylist: action = "greylist"; break;
        case filter::Action::Quarantine: action = "quarantine"; break;
        case filter::Action::Reject: action = "reject"; break;
        case filter::Action::Defer: action = "defer"; break;
    }
    log::info("filter", "{}: from=<{}>, ip=[{}], action={}, score={:.2f}{}, symbols=[{}]{}", writer_->id(), env.sender,
              ip_, action, v.score, v.bypassed ? " (bypass)" : "", v.symbols(), v.explain());
    if (v.action == filter::Action::Reject || v.action == filter::Action::Greylist ||
        v.action == filter::Action::Defer) {
        writer_->abort();
        writer_.reset();
        bool reject = v.action == filter::Action::Reject;
        std::string text = v.action == filter::Action::Greylist ? "Greylisted, please try again later" : v.reject_text;
        next_after_filter_ = session_->on_filtered(reject ? 554 : 451, reject ? "5.7.1" : "4.7.1", text);
        co_return false;
    }
    if (!v.auth_results.empty()) {
        // RFC 8601: our authserv-id, then one resinfo per check (delivery writes each
        // envelope header as one line).
        std::string h = "Authentication-Results: " + ctx_.cfg.hostname;
        for (const auto& r : v.auth_results) h += "; " + r;
        env.headers.push_back(std::move(h));
    }
    if (!v.bypassed) {
        if (v.spam_scored || v.gtube)
            env.headers.push_back("X-Spam-Status: " + v.status_header(settings.spam_flag_threshold));
        if (v.action == filter::Action::Flag || v.action == filter::Action::Quarantine) {
            env.headers.push_back("X-Spam: Yes");
            env.spam = v.action == filter::Action::Flag;
        }
        if (v.action == filter::Action::Quarantine) {
            env.targets = {store::Target{store::Target::Kind::Public, settings.spam_quarantine, -1}};
            quarantined_ = queue::QuarantineReport{v.score, {}, settings.spam_quarantine};
            for (const auto& h : v.hits) quarantined_->rules.push_back(fmt::format("{} ({:.2f})", h.name, h.score));
        }
    }
    co_return true;
}

// Queues the postmaster's notice about a quarantined message (spam_quarantine_notify),
// before the message itself is handed to delivery, which removes its queue file.
awaitable<void> Connection::notify_quarantine(const std::string& id) {
    auto snap = ctx_.directory.get();
    if (!quarantined_ || !snap->settings.spam_quarantine_notify) co_return;
    std::string notice = co_await net::run_blocking(ctx_.blocking, [&]() -> std::string {
        try {
            return queue::queue_quarantine_notice(ctx_.cfg.queue_dir(), ctx_.cfg.hostname, id, *quarantined_, *snap);
        } catch (const std::exception& e) {
            log::info("filter", "{}: warning: cannot queue the quarantine notification: {}", id, e.what());
            return {};
        }
    });
    if (!notice.empty()) ctx_.agent.submit(notice);
}

awaitable<Next> Connection::do_commit() {
    std::string id = writer_ ? writer_->id() : std::string();
    quarantined_.reset();
    std::string err = write_error_;
    bool ok = false;
    if (writer_ && err.empty()) {
        queue::Envelope env = session_->envelope(id, std::time(nullptr), last_stats_);
        env.size = writer_->size();
        if (!co_await run_filter(env)) {
            reader_.reset();
            write_error_.clear();
            co_return next_after_filter_;
        }
        auto* w = writer_.get();
        err = co_await net::run_blocking(ctx_.blocking, [w, &env]() -> std::string {
            try {
                w->commit(env);
                return {};
            } catch (const std::exception& e) {
                return e.what();
            }
        });
        ok = err.empty();
        if (ok) {
            log::info("cleanup", "{}: message-id={}", id, env.message_id.empty() ? "<>" : env.message_id);
            log::info("qmgr", "{}: from=<{}>, size={}, nrcpt={} (queue active)", id, env.sender, env.size,
                      env.recipients.size());
            co_await notify_quarantine(id);
            ctx_.agent.submit(id);
        }
    }
    writer_.reset();
    reader_.reset();
    write_error_.clear();
    co_return session_->on_commit(ok, id, err);
}

awaitable<Next> Connection::do_auth() {
    AuthRequest req = session_->auth_request();
    auto snap = ctx_.directory.get();
    std::optional<std::string> user;
    // The password-guessing throttle first (docs/security.md): a blocked address is
    // answered as a failed login without a check.
    bool turn = co_await net::login_turn(ctx_.throttle, snap->settings, ip_, req.login);
    if (turn) {
        user = co_await net::run_blocking(ctx_.blocking, [&snap, &req]() {
            return auth::authenticate(*snap, req.login, req.password);
        });
        net::login_result(ctx_.throttle, snap->settings, ip_, req.login, user.has_value());
    }
    if (!user) {
        asio::steady_timer t(co_await asio::this_coro::executor);
        t.expires_after(std::chrono::milliseconds(session_->auth_failure_delay_ms()));
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return session_->on_auth_result(user);
}

awaitable<void> Connection::run() {
    auto snap = ctx_.directory.get();
    auto& settings = snap->settings;
    SessionInfo info;
    info.listener = listener_;
    info.hostname = ctx_.cfg.hostname;
    info.client_ip = IpAddr::parse(ip_).value_or(IpAddr{});
    info.tls_available = listener_ != Listener::Submissions;
    session_ = std::make_unique<Session>(info, snap);
    if (ctx_.usage_peek) session_->set_usage_peek(ctx_.usage_peek);

    const char* name = log_name();
    log::info(name, "connect from [{}]", ip_);

    auto exec = co_await asio::this_coro::executor;
    std::weak_ptr<Connection> weak = weak_from_this();
    uint64_t reg = net::on_shutdown(ctx_.sessions, exec, [weak]() {
        if (auto self = weak.lock()) {
            boost::system::error_code ignored;
            self->stream_.socket().cancel(ignored);
        }
    });
    stream_.set_timeout(std::chrono::seconds(settings.smtp_idle_timeout));
    stream_.start_watchdog();

    Next next = Next::Line;
    if (listener_ == Listener::Submissions) {
        if (!co_await stream_.handshake()) {
            log::info(name, "TLS handshake failed with [{}]", ip_);
            next = Next::Close;
        } else {
            session_->on_tls_started(stream_.tls_info());
        }
    }
    if (next != Next::Close) pending_out_ += session_->greeting();

    size_t scanned = 0;
    while (next != Next::Close) {
        if (ctx_.stopping) {
            pending_out_ += "421 4.3.2 " + ctx_.cfg.hostname + " Service shutting down\r\n";
            break;
        }
        switch (next) {
            case Next::Line:
            case Next::AuthLine: {
                auto lf = in_.find('\n', scanned);
                if (lf == std::string::npos) {
                    // However slowly its bytes come, a line has command_deadline to complete.
                    if (!in_.empty()) stream_.arm_command_deadline(std::chrono::seconds(settings.command_deadline));
                    int64_t limit = settings.smtp_line_length_limit;
                    if (static_cast<int64_t>(in_.size()) > limit) {
                        // Drop the rest of this overlong line, then answer once.
                        in_.clear();
                        scanned = 0;
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
                            next = Next::Close;
                            break;
                        }
                        if (stream_.timed_out()) {
                            next = session_->on_timeout();
                            break;
                        }
                        stream_.disarm_command_deadline();
                        session_->set_snapshot(ctx_.directory.get());
                        next = session_->on_line_too_long();
                        break;
                    }
                    scanned = in_.size();
                    if (!co_await fill()) {
                        if (stream_.timed_out()) {
                            next = session_->on_timeout();
                        } else if (!ctx_.stopping) {
                            log::info(name, "lost connection from [{}]", ip_);
                            next = Next::Close;
                        }
                    }
                    continue;
                }
                stream_.disarm_command_deadline();
                std::string_view line(in_.data(), lf);
                if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
                if (static_cast<int64_t>(line.size()) > settings.smtp_line_length_limit) {
                    in_.erase(0, lf + 1);
                    scanned = 0;
                    next = session_->on_line_too_long();
                    break;
                }
                session_->set_snapshot(ctx_.directory.get());
                next = session_->on_line(line);
                in_.erase(0, lf + 1);
                scanned = 0;
                break;
            }
            case Next::Data: next = co_await do_data(); break;
            case Next::Bdat: next = co_await do_bdat(); break;
            case Next::Commit: next = co_await do_commit(); break;
            case Next::VerifyAuth: next = co_await do_auth(); break;
            case Next::StartTls: {
                co_await flush();
                in_.clear();  // RFC 3207 §4: nothing pipelined before TLS may be used after it
                scanned = 0;
                if (!co_await stream_.handshake()) {
                    log::info(name, "TLS handshake failed with [{}]", ip_);
                    next = Next::Close;
                    break;
                }
                next = session_->on_tls_started(stream_.tls_info());
                break;
            }
            case Next::Close: break;
        }
        if (writer_ && next != Next::Commit && !session_->message_open()) {
            writer_.reset();
            reader_.reset();
            write_error_.clear();
        }
        if (!writer_ && !session_->message_open()) reader_.reset();
    }
    pending_out_ += session_->take_output();
    write_log();
    if (!eof_) co_await flush();
    stream_.stop_watchdog();
    stream_.close();
    ctx_.sessions.remove(reg);
    log::info(name, "disconnect from [{}]", ip_);
}

}  // namespace

std::string refusal(net::Refusal r, const std::string& hostname, const std::string& ip) {
    if (r == net::Refusal::PerIp) return "421 4.7.0 " + hostname + " Error: too many connections from " + ip + "\r\n";
    return "421 4.3.2 " + hostname + " Error: too many connections\r\n";
}

awaitable<void> run_session(net::tcp::socket sock, Listener listener, ServerContext& ctx, std::string ip,
                            net::Ticket ticket) {
    auto c = std::make_shared<Connection>(std::move(sock), listener, ctx, std::move(ip), std::move(ticket));
    co_await c->run();
}

}  // namespace magpie::smtp
