// Outbound SMTP connection.
#include "outbound/smtp_client.h"

#include <fmt/format.h>

#include "core/base64.h"
#include "net/stream.h"

namespace magpie::outbound {

namespace asio = net::asio;
using net::awaitable;

constexpr size_t kMaxReplyLine = 4096;
constexpr size_t kChunk = 1 << 20;

SmtpClient::SmtpClient(asio::any_io_executor ex, net::ssl::context& tls) : ex_(std::move(ex)), tls_ctx_(tls) {}

SmtpClient::~SmtpClient() {
    if (stream_) {
        stream_->stop_watchdog();
        stream_->close();
    }
}

bool SmtpClient::tls() const { return stream_ && stream_->tls(); }

Failure SmtpClient::io_failure(std::string_view what) const {
    Failure f;
    f.status = "4.4.2";
    f.diagnostic = fmt::format("lost connection with {} {}", peer_, what);
    f.peer = peer_;
    return f;
}

Failure SmtpClient::reply_failure(const smtp::ClientReply& r, std::string_view after) const {
    Failure f;
    f.permanent = r.permanent();
    f.status = !r.enhanced.empty() ? r.enhanced : (r.permanent() ? "5.0.0" : "4.0.0");
    f.smtp_reply = r.text();
    f.peer = peer_;
    f.diagnostic = fmt::format("host {} said: {} (in reply to {})", peer_, f.smtp_reply, after);
    return f;
}

awaitable<bool> SmtpClient::write(const std::string& data) {
    try {
        co_await stream_->write(data);
        co_return true;
    } catch (const boost::system::system_error&) {
        usable_ = false;
        co_return false;
    }
}

awaitable<std::optional<smtp::ClientReply>> SmtpClient::read_reply() {
    smtp::ReplyReader reader;
    for (;;) {
        auto lf = in_.find('\n');
        if (lf == std::string::npos) {
            if (in_.size() > kMaxReplyLine) {
                usable_ = false;
                co_return std::nullopt;
            }
            char buf[8192];
            try {
                size_t n = co_await stream_->read_some(buf, sizeof buf);
                in_.append(buf, n);
            } catch (const boost::system::system_error&) {
                usable_ = false;
                co_return std::nullopt;
            }
            continue;
        }
        std::string_view line(in_.data(), lf);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        bool done = reader.feed(line);
        in_.erase(0, lf + 1);
        if (done) {
            auto r = reader.take();
            if (r.code == 0) {
                usable_ = false;
                co_return std::nullopt;
            }
            co_return r;
        }
    }
}

awaitable<std::optional<Failure>> SmtpClient::ehlo() {
    if (!co_await write("EHLO " + opts_.helo + "\r\n")) co_return io_failure("while sending EHLO");
    auto r = co_await read_reply();
    if (!r) co_return io_failure("while receiving the EHLO reply");
    if (r->code == 250) {
        caps_ = smtp::parse_ehlo(*r);
        co_return std::nullopt;
    }
    // RFC 5321 §3.2: fall back to HELO.
    if (!co_await write("HELO " + opts_.helo + "\r\n")) co_return io_failure("while sending HELO");
    r = co_await read_reply();
    if (!r) co_return io_failure("while receiving the HELO reply");
    if (r->code != 250) co_return reply_failure(*r, "HELO command");
    caps_ = {};
    co_return std::nullopt;
}

awaitable<std::optional<Failure>> SmtpClient::open(const net::tcp::endpoint& ep, const std::string& host,
                                                    const ClientOptions& opts) {
    opts_ = opts;
    host_ = host;
    peer_ = fmt::format("{}[{}]:{}", host, ep.address().to_string(), ep.port());
    net::tcp::socket sock(ex_);
    {
        asio::steady_timer timer(ex_);
        timer.expires_after(opts.connect_timeout);
        bool timed_out = false;
        timer.async_wait([&](const boost::system::error_code& ec) {
            if (!ec) {
                timed_out = true;
                boost::system::error_code ignored;
                sock.close(ignored);
            }
        });
        boost::system::error_code ec;
        co_await sock.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
        timer.cancel();
        if (ec || timed_out) {
            Failure f;
            f.status = "4.4.1";
            f.diagnostic = fmt::format("connect to {}: {}", peer_, timed_out ? "Connection timed out" : ec.message());
            co_return f;
        }
    }
    stream_ = std::make_unique<net::Stream>(std::move(sock), tls_ctx_);
    stream_->set_timeout(opts.command_timeout);
    stream_->start_watchdog();
    usable_ = true;

    auto greet = co_await read_reply();
    if (!greet) co_return io_failure("while receiving the initial server greeting");
    if (greet->code != 220) {
        auto f = reply_failure(*greet, "initial server greeting");
        f.permanent = false;  // RFC 5321 §5.1: try the next MX
        co_return f;
    }
    if (auto f = co_await ehlo()) co_return f;

    if (caps_.has("STARTTLS")) {
        if (!co_await write("STARTTLS\r\n")) co_return io_failure("while sending STARTTLS");
        auto r = co_await read_reply();
        if (!r) co_return io_failure("while receiving the STARTTLS reply");
        if (r->code == 220) {
            in_.clear();
            std::string err;
            if (!co_await stream_->client_handshake(host_, opts.tls_required, err)) {
                usable_ = false;
                Failure f;
                f.status = "4.7.5";
                f.diagnostic = fmt::format("TLS with {} failed: {}", peer_, err);
                co_return f;
            }
            if (auto f = co_await ehlo()) co_return f;
        } else if (opts.tls_required) {
            co_return reply_failure(*r, "STARTTLS command");
        }
    }
    if (opts.tls_required && !tls()) {
        Failure f;
        f.status = "4.7.4";
        f.diagnostic = fmt::format("TLS is required, but was not offered by host {}", peer_);
        co_return f;
    }
    if (!opts.username.empty()) {
        std::string cmd;
        if (caps_.auth.count("PLAIN")) {
            cmd = "AUTH PLAIN " + base64_encode(std::string("\0", 1) + opts.username + std::string("\0", 1) +
                                                opts.password) + "\r\n";
            if (!co_await write(cmd)) co_return io_failure("while sending AUTH");
        } else if (caps_.auth.count("LOGIN")) {
            if (!co_await write("AUTH LOGIN\r\n")) co_return io_failure("while sending AUTH");
            auto r = co_await read_reply();
            if (!r) co_return io_failure("during AUTH");
            if (r->code != 334) co_return reply_failure(*r, "AUTH LOGIN command");
            if (!co_await write(base64_encode(opts.username) + "\r\n")) co_return io_failure("during AUTH");
            r = co_await read_reply();
            if (!r) co_return io_failure("during AUTH");
            if (r->code != 334) co_return reply_failure(*r, "AUTH LOGIN username");
            if (!co_await write(base64_encode(opts.password) + "\r\n")) co_return io_failure("during AUTH");
        } else {
            Failure f;
            f.status = "4.7.0";
            f.diagnostic = fmt::format("host {} offers no usable AUTH mechanism", peer_);
            co_return f;
        }
        auto r = co_await read_reply();
        if (!r) co_return io_failure("during AUTH");
        if (r->code != 235) {
            auto f = reply_failure(*r, "AUTH command");
            f.permanent = false;  // like Postfix: credentials may be fixed, retry later
            f.diagnostic = "SASL authentication failed; " + f.diagnostic;
            co_return f;
        }
    }
    co_return std::nullopt;
}

awaitable<TxResult> SmtpClient::send(const queue::Envelope& env,
                                     const std::vector<std::pair<queue::Recipient, std::string>>& rcpts, int64_t size,
                                     const BodySource& body) {
    TxResult res;
    res.rcpt.resize(rcpts.size());
    if (caps_.size_limit > 0 && size > caps_.size_limit) {
        Failure f;
        f.permanent = true;
        f.status = "5.3.4";
        f.diagnostic = fmt::format("message size {} exceeds size limit {} of server {}", size, caps_.size_limit, peer_);
        res.failure = f;
        co_return res;
    }
    if (env.smtputf8 && !caps_.has("SMTPUTF8")) {
        Failure f;
        f.permanent = true;
        f.status = "5.6.7";  // RFC 6531 §3.4
        f.diagnostic = fmt::format("SMTPUTF8 is required, but was not offered by host {}", peer_);
        res.failure = f;
        co_return res;
    }
    bool pipelining = caps_.has("PIPELINING");
    bool chunking = caps_.has("CHUNKING");
    std::string batch = smtp::mail_command(env, caps_, size) + "\r\n";
    // RFC 2920: MAIL and RCPTs go together; DATA waits for their replies in this client.
    if (!pipelining) {
        if (!co_await write(batch)) {
            res.failure = io_failure("while sending MAIL FROM");
            co_return res;
        }
        batch.clear();
    }
    auto mail = pipelining ? std::optional<smtp::ClientReply>() : co_await read_reply();
    if (!pipelining && !mail) {
        res.failure = io_failure("while receiving the MAIL FROM reply");
        co_return res;
    }
    if (!pipelining && mail->code != 250) {
        res.failure = reply_failure(*mail, "MAIL FROM command");
        res.failure->try_next_host = false;
        co_return res;
    }
    size_t accepted = 0;
    if (pipelining) {
        for (auto& [r, addr] : rcpts) batch += smtp::rcpt_command(r, addr, caps_) + "\r\n";
        if (!co_await write(batch)) {
            res.failure = io_failure("while sending MAIL FROM");
            co_return res;
        }
        mail = co_await read_reply();
        if (!mail) {
            res.failure = io_failure("while receiving the MAIL FROM reply");
            co_return res;
        }
        for (size_t i = 0; i < rcpts.size(); ++i) {
            auto r = co_await read_reply();
            if (!r) {
                res.failure = io_failure("while receiving the RCPT TO reply");
                co_return res;
            }
            if (mail->code == 250 && r->code != 250 && r->code != 251)
                res.rcpt[i] = reply_failure(*r, "RCPT TO command");
            else if (mail->code == 250)
                ++accepted;
        }
        if (mail->code != 250) {
            res.failure = reply_failure(*mail, "MAIL FROM command");
            res.failure->try_next_host = false;
            co_await reset();
            co_return res;
        }
    } else {
        for (size_t i = 0; i < rcpts.size(); ++i) {
            if (!co_await write(smtp::rcpt_command(rcpts[i].first, rcpts[i].second, caps_) + "\r\n")) {
                res.failure = io_failure("while sending RCPT TO");
                co_return res;
            }
            auto r = co_await read_reply();
            if (!r) {
                res.failure = io_failure("while receiving the RCPT TO reply");
                co_return res;
            }
            if (r->code != 250 && r->code != 251)
                res.rcpt[i] = reply_failure(*r, "RCPT TO command");
            else
                ++accepted;
        }
    }
    if (accepted == 0) {
        co_await reset();
        co_return res;
    }
    std::string chunk, out;
    std::optional<smtp::ClientReply> final_reply;
    if (chunking) {  // RFC 3030: BDAT chunks, no dot-stuffing
        bool more = true;
        std::string pending;
        while (more) {
            chunk.clear();
            more = body(chunk);
            pending += chunk;
            if (pending.size() < kChunk && more) continue;
            std::string cmd = fmt::format("BDAT {}{}\r\n", pending.size(), more ? "" : " LAST");
            bool sent = co_await write(cmd);
            if (sent) sent = co_await write(pending);
            if (!sent) {
                res.failure = io_failure("while sending message content");
                co_return res;
            }
            pending.clear();
            auto r = co_await read_reply();
            if (!r) {
                res.failure = io_failure("while sending message content");
                co_return res;
            }
            if (r->code != 250) {
                res.failure = reply_failure(*r, "end of data");
                res.failure->try_next_host = false;
                if (more) co_await reset();
                co_return res;
            }
            if (!more) final_reply = r;
        }
    } else {
        if (!co_await write("DATA\r\n")) {
            res.failure = io_failure("while sending DATA");
            co_return res;
        }
        auto r = co_await read_reply();
        if (!r) {
            res.failure = io_failure("while receiving the DATA reply");
            co_return res;
        }
        if (r->code != 354) {
            res.failure = reply_failure(*r, "DATA command");
            res.failure->try_next_host = false;
            co_return res;
        }
        smtp::DotStuffer stuffer;
        bool more = true;
        while (more) {
            chunk.clear();
            more = body(chunk);
            stuffer.feed(chunk, out);
            if (!more) stuffer.finish(out);
            if (out.size() >= kChunk / 4 || !more) {
                if (!co_await write(out)) {
                    res.failure = io_failure("while sending message content");
                    co_return res;
                }
                out.clear();
            }
        }
        final_reply = co_await read_reply();
        if (!final_reply) {
            res.failure = io_failure("while receiving the end-of-data reply");
            co_return res;
        }
        if (final_reply->code != 250) {
            res.failure = reply_failure(*final_reply, "end of DATA command");
            res.failure->try_next_host = false;
            co_return res;
        }
    }
    res.reply = final_reply ? final_reply->text() : "";
    co_return res;
}

awaitable<bool> SmtpClient::reset() {
    if (!usable_) co_return false;
    if (!co_await write("RSET\r\n")) co_return false;
    auto r = co_await read_reply();
    if (!r || r->code != 250) usable_ = false;
    co_return usable_;
}

awaitable<void> SmtpClient::quit() {
    if (usable_) {
        bool sent = co_await write("QUIT\r\n");
        if (sent) co_await read_reply();
    }
    usable_ = false;
    if (stream_) {
        stream_->stop_watchdog();
        stream_->close();
    }
}

}  // namespace magpie::outbound
