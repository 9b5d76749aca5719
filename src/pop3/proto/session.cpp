// The POP3 session state machine. Reply texts follow Dovecot's wording where clients or
// admins may recognise them; response codes follow RFC 2449 §8 and RFC 3206.
#include "pop3/proto/session.h"

#include <fmt/format.h>

#include "core/base64.h"
#include "core/strings.h"
#include "pop3/proto/limits.h"

namespace magpie::pop3 {

namespace {

constexpr std::string_view kPlaintextRefused =
    "[AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.";

// A client-supplied name as it may appear in the maillog: no control characters (a SASL
// name can hold a newline) and not too long.
std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 100)) {
        auto u = static_cast<unsigned char>(c);
        out += u < 0x20 || u == 0x7f ? '?' : c;
    }
    return out;
}

}  // namespace

Session::Session(SessionInfo info, std::shared_ptr<const store::Snapshot> snapshot)
    : info_(std::move(info)), snap_(std::move(snapshot)) {}

void Session::ok(std::string_view text) {
    out_ += text.empty() ? std::string("+OK\r\n") : fmt::format("+OK {}\r\n", text);
}

Next Session::err(std::string_view text) {
    out_ += fmt::format("-ERR {}\r\n", text);
    return Next::Line;
}

Next Session::bad(std::string_view text) {
    err(text);
    if (++bad_commands_ >= kMaxBadCommands) {
        out_ += "-ERR Too many bad commands.\r\n";
        close_reason_ = "Too many bad commands";
        return Next::Close;
    }
    return Next::Line;
}

bool Session::plaintext_allowed() const {
    return info_.tls_active || settings().allow_plaintext_auth;
}

std::string Session::log_context() const {
    return fmt::format("rip={}, lip={}{}", info_.client_ip.str(), info_.local_ip,
                       info_.tls_active ? ", TLS" : "");
}

std::string Session::component() const {
    return state_ == State::Authorization ? "pop3-login" : "pop3(" + user_ + ")";
}

std::string Session::greeting() {
    ok("Magpie POP3 server ready.");  // no APOP timestamp: APOP is not offered
    return take_output();
}

size_t Session::line_limit() const {
    return auth_stage_ ? kMaxSaslLine : kMaxCommandLine;
}

Next Session::on_line_too_long() {
    if (auth_stage_) {
        auth_stage_ = 0;
        return bad("Authentication response too long.");
    }
    return bad("Line too long.");  // RFC 2449 §4
}

Next Session::on_timeout() {
    close_reason_ = "Inactivity";
    return Next::Close;
}

Next Session::on_shutdown() {
    err("[SYS/TEMP] Server shutting down.");
    close_reason_ = "Server shutting down";
    return Next::Close;
}

Next Session::on_tls_started() {
    // RFC 2595 §4: nothing learned before TLS counts after it.
    info_.tls_active = true;
    pending_user_.clear();
    auth_stage_ = 0;
    return Next::Line;
}

Next Session::on_line(std::string_view line) {
    if (state_ == State::Update || state_ == State::Done) return Next::Close;
    if (auth_stage_) return auth_step(line);
    if (line.find('\0') != std::string_view::npos) return bad("NUL character in command.");
    Command c = parse_command(line);
    if (c.keyword.empty()) return bad("Unknown command.");
    if (c.verb == Verb::Capa) return cmd_capa();
    return state_ == State::Authorization ? authorization(c) : transaction(c);
}

// RFC 2449 §5. USER and SASL only where they may be used now.
Next Session::cmd_capa() {
    ok("Capability list follows");
    out_ += "CAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n";
    if (state_ == State::Authorization) {
        if (info_.tls_available && !info_.tls_active) out_ += "STLS\r\n";
        if (plaintext_allowed()) out_ += "USER\r\nSASL PLAIN LOGIN\r\n";
    }
    out_ += "IMPLEMENTATION Magpie\r\n.\r\n";
    return Next::Line;
}

Next Session::authorization(const Command& c) {
    switch (c.verb) {
        case Verb::Quit:
            ok("Logging out.");
            close_reason_ = "Logged out";
            return Next::Close;
        case Verb::Stls:  // RFC 2595 §4
            if (!c.args.empty()) return bad("STLS takes no arguments.");
            if (info_.tls_active) return bad("TLS is already active.");
            if (!info_.tls_available) return bad("STLS is not available.");
            ok("Begin TLS negotiation now.");
            return Next::StartTls;
        case Verb::User:
            if (c.rest.empty()) return bad("USER needs a user name.");
            if (!plaintext_allowed()) return bad(kPlaintextRefused);
            pending_user_ = std::string(c.rest);
            ok("");
            return Next::Line;
        case Verb::Pass:
            if (!plaintext_allowed()) return bad(kPlaintextRefused);
            if (pending_user_.empty()) return bad("No username given.");
            auth_req_ = AuthRequest{"PLAIN", "", std::move(pending_user_), std::string(c.rest)};
            pending_user_.clear();
            return Next::VerifyAuth;
        case Verb::Auth:
            return cmd_auth(c);
        case Verb::Apop:
            return bad("APOP is not supported.");
        case Verb::Unknown:
            return bad("Unknown command.");
        default:
            return bad("Not logged in.");
    }
}

Next Session::cmd_auth(const Command& c) {
    if (c.args.empty()) {  // the mechanism list older clients ask for (not in RFC 5034)
        ok("");
        if (plaintext_allowed()) out_ += "PLAIN\r\nLOGIN\r\n";
        out_ += ".\r\n";
        return Next::Line;
    }
    if (c.args.size() > 2) return bad("AUTH takes a mechanism and an initial response.");
    if (!plaintext_allowed()) return bad(kPlaintextRefused);
    std::string mech = to_lower(c.args[0]);
    if (mech != "plain" && mech != "login") return bad("Unsupported authentication mechanism.");
    auth_req_ = AuthRequest{mech == "plain" ? "PLAIN" : "LOGIN", "", "", ""};
    auth_stage_ = 1;
    if (c.args.size() == 2) return auth_step(c.args[1]);  // RFC 5034 §4 initial response
    out_ += mech == "plain" ? "+ \r\n" : "+ VXNlcm5hbWU6\r\n";
    return Next::AuthLine;
}

Next Session::auth_step(std::string_view response) {
    if (response == "*") {  // RFC 5034 §4: the client cancels
        auth_stage_ = 0;
        return bad("Authentication aborted.");
    }
    std::optional<std::string> decoded = response == "=" ? std::string() : base64_decode(response);
    if (!decoded) {
        auth_stage_ = 0;
        return bad("Invalid base64 data in continued response.");
    }
    if (auth_req_.mechanism == "PLAIN") {  // RFC 4616: [authzid] NUL authcid NUL passwd
        auth_stage_ = 0;
        const std::string& d = *decoded;
        auto n1 = d.find('\0');
        auto n2 = n1 == std::string::npos ? n1 : d.find('\0', n1 + 1);
        if (n2 == std::string::npos) return bad("Malformed PLAIN response.");
        auth_req_.authzid = d.substr(0, n1);
        auth_req_.authcid = d.substr(n1 + 1, n2 - n1 - 1);
        auth_req_.password = d.substr(n2 + 1);
        return Next::VerifyAuth;
    }
    if (auth_stage_ == 1) {
        auth_req_.authcid = *decoded;
        auth_stage_ = 2;
        out_ += "+ UGFzc3dvcmQ6\r\n";
        return Next::AuthLine;
    }
    auth_req_.password = *decoded;
    auth_stage_ = 0;
    return Next::VerifyAuth;
}

Next Session::on_auth_result(const std::optional<auth::MailLogin>& login) {
    auth_req_.password.assign(auth_req_.password.size(), '\0');
    auth_req_.password.clear();
    last_login_ =
        printable(auth_req_.authzid.empty() ? auth_req_.authcid
                                            : auth_req_.authzid + "*" + auth_req_.authcid);
    if (login) {
        user_ = login->user;
        master_ = login->master;
        return Next::OpenMaildrop;
    }
    ++auth_failures_;
    log_.emplace_back("pop3-login", fmt::format("Authentication failed: user=<{}>, method={}, {}",
                                                last_login_, auth_req_.mechanism, log_context()));
    err("[AUTH] Authentication failed.");  // RFC 3206 §4
    if (auth_failures_ >= settings().mail_max_auth_failures) {
        close_reason_ = "Too many authentication failures";
        return Next::Close;
    }
    return Next::Line;
}

Next Session::on_maildrop(Maildrop drop) {
    drop_ = std::move(drop);
    deleted_.assign(drop_.messages.size(), 0);
    retrieved_.assign(drop_.messages.size(), 0);
    state_ = State::Transaction;
    std::string master = master_.empty() ? "" : fmt::format(", master=<{}>", master_);
    log_.emplace_back("pop3-login", fmt::format("Login: user=<{}>, method={}, {}{}", user_,
                                                auth_req_.mechanism, log_context(), master));
    ok("Logged in.");
    return Next::Line;
}

Next Session::on_maildrop_error(MaildropError e) {
    if (e == MaildropError::InUse) {  // RFC 2449 §8.1.2
        err(
            fmt::format("[IN-USE] Maximum number of connections from user+IP exceeded "
                        "(mail_max_connections_per_user_ip={})",
                        settings().mail_max_connections_per_user_ip));
        close_reason_ = "Too many connections for user";
    } else {  // RFC 3206 §4
        err("[SYS/TEMP] Unable to open the mailbox, try again later.");
        close_reason_ = "Mailbox unavailable";
    }
    return Next::Close;
}

uint64_t Session::live_size() const {
    uint64_t total = 0;
    for (size_t i = 0; i < drop_.messages.size(); ++i) {
        if (!deleted_[i]) total += drop_.messages[i].size;
    }
    return total;
}

size_t Session::live_count() const {
    size_t n = 0;
    for (char d : deleted_) n += d ? 0 : 1;
    return n;
}

bool Session::pick(std::string_view arg, size_t& index, Next& next) {
    auto n = parse_number(arg);
    if (!n || *n == 0) {
        next = bad(fmt::format("Invalid message number: {}", arg.substr(0, 40)));
        return false;
    }
    if (*n > drop_.messages.size()) {
        next = err(fmt::format("There's no message {}.", *n));
        return false;
    }
    index = static_cast<size_t>(*n - 1);
    if (deleted_[index]) {
        next = err(fmt::format("Message {} is deleted.", *n));
        return false;
    }
    return true;
}

Next Session::transaction(const Command& c) {
    Next next = Next::Line;
    size_t i = 0;
    switch (c.verb) {
        case Verb::Noop:
            ok("");
            return Next::Line;
        case Verb::Stat:
            if (!c.args.empty()) return bad("STAT takes no arguments.");
            ok(fmt::format("{} {}", live_count(), live_size()));
            return Next::Line;
        case Verb::List:
            return cmd_list(c, false);
        case Verb::Uidl:
            return cmd_list(c, true);
        case Verb::Retr:
            return cmd_send(c, false);
        case Verb::Top:
            return cmd_send(c, true);
        case Verb::Dele:
            if (c.args.size() != 1) return bad("DELE takes one message number.");
            if (!pick(c.args[0], i, next)) return next;
            deleted_[i] = 1;
            ok(fmt::format("Message {} deleted.", i + 1));
            return Next::Line;
        case Verb::Rset:
            if (!c.args.empty()) return bad("RSET takes no arguments.");
            deleted_.assign(deleted_.size(), 0);
            ok(fmt::format("Maildrop has {} messages ({} octets)", live_count(), live_size()));
            return Next::Line;
        case Verb::Quit:  // RFC 1939 §6: enter the UPDATE state
            state_ = State::Update;
            return Next::Update;
        case Verb::Unknown:
            return bad("Unknown command.");
        default:
            return bad("Command not valid in this state.");
    }
}

Next Session::cmd_list(const Command& c, bool uidl) {
    auto value = [&](size_t i) {
        const auto& m = drop_.messages[i];
        return uidl ? uidl_of(m.uid, drop_.uidvalidity) : std::to_string(m.size);
    };
    if (c.args.size() > 1)
        return bad(uidl ? "UIDL takes at most one argument." : "LIST takes at most one argument.");
    if (c.args.size() == 1) {
        Next next = Next::Line;
        size_t i = 0;
        if (!pick(c.args[0], i, next)) return next;
        ok(fmt::format("{} {}", i + 1, value(i)));
        return Next::Line;
    }
    if (uidl)
        ok("");
    else
        ok(fmt::format("{} messages ({} octets)", live_count(), live_size()));
    for (size_t i = 0; i < drop_.messages.size(); ++i) {
        if (!deleted_[i]) out_ += fmt::format("{} {}\r\n", i + 1, value(i));
    }
    out_ += ".\r\n";
    return Next::Line;
}

Next Session::cmd_send(const Command& c, bool top) {
    if (c.args.size() != (top ? 2u : 1u))
        return bad(top ? "TOP takes a message number and a line count."
                       : "RETR takes one message number.");
    int64_t lines = -1;
    if (top) {
        auto n = parse_number(c.args[1], 18);
        if (!n) return bad(fmt::format("Invalid line count: {}", c.args[1].substr(0, 40)));
        lines = static_cast<int64_t>(*n);
    }
    Next next = Next::Line;
    size_t i = 0;
    if (!pick(c.args[0], i, next)) return next;
    send_req_ = SendRequest{drop_.messages[i].uid, i + 1, lines};
    return Next::SendMessage;
}

void Session::on_send_begin() {
    if (send_req_.body_lines < 0)
        ok(fmt::format("{} octets", drop_.messages[send_req_.number - 1].size));
    else
        ok("");
}

void Session::on_sent(uint64_t octets) {
    if (send_req_.body_lines < 0) {
        ++retr_count_;
        retr_bytes_ += octets;
        retrieved_[send_req_.number - 1] = 1;
    } else {
        ++top_count_;
        top_bytes_ += octets;
    }
}

Next Session::on_send_missing() {
    return err(fmt::format("Message {} no longer exists (expunged by another session).",
                           send_req_.number));
}

std::vector<uint32_t> Session::deleted_uids() const {
    std::vector<uint32_t> out;
    for (size_t i = 0; i < drop_.messages.size(); ++i) {
        if (deleted_[i]) out.push_back(drop_.messages[i].uid);
    }
    return out;
}

std::vector<uint32_t> Session::seen_uids() const {
    std::vector<uint32_t> out;
    for (size_t i = 0; i < drop_.messages.size(); ++i) {
        if (retrieved_[i] && !deleted_[i]) out.push_back(drop_.messages[i].uid);
    }
    return out;
}

Next Session::on_update_done(size_t removed) {
    expunged_ = removed;
    state_ = State::Done;
    close_reason_ = "Logged out";
    if (removed < deleted_uids().size())
        err("[SYS/TEMP] Some deleted messages were not removed.");  // RFC 1939 §6
    else
        ok("Logging out.");
    return Next::Close;
}

std::string Session::logout_stats() const {
    uint64_t size = 0;
    for (const auto& m : drop_.messages) size += m.size;
    // Dovecot's default pop3_logout_format.
    return fmt::format("top={}/{}, retr={}/{}, del={}/{}, size={}", top_count_, top_bytes_,
                       retr_count_, retr_bytes_, expunged_, drop_.messages.size(), size);
}

void Session::on_closed(bool lost) {
    std::string reason =
        close_reason_.empty() ? (lost ? "Connection closed" : "Logged out") : close_reason_;
    if (state_ != State::Authorization) {
        log_.emplace_back(component(), fmt::format("Disconnected: {} {}", reason, logout_stats()));
    } else if (!user_.empty()) {
        log_.emplace_back("pop3-login",
                          fmt::format("Disconnected ({}): user=<{}>, method={}, {}", reason, user_,
                                      auth_req_.mechanism, log_context()));
    } else if (auth_failures_ > 0) {
        log_.emplace_back(
            "pop3-login",
            fmt::format("Disconnected ({}; auth failed, {} attempts): user=<{}>, "
                        "method={}, {}",
                        reason, auth_failures_, last_login_, auth_req_.mechanism, log_context()));
    } else {
        log_.emplace_back("pop3-login", fmt::format("Disconnected ({}; no auth attempts): {}",
                                                    reason, log_context()));
    }
}

}  // namespace magpie::pop3
