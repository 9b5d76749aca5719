// The SMTP server session state machine. Reply texts follow Postfix's wording so that
// admins and tests recognise them; enhanced codes follow RFC 3463.
#include "smtp/proto/session.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/base64.h"
#include "core/strings.h"
#include "smtp/proto/command.h"
#include "smtp/proto/reply.h"
#include "store/quota.h"
#include "store/router.h"

namespace magpie::smtp {

const char* listener_name(Listener l) {
    switch (l) {
        case Listener::Smtp: return "smtp";
        case Listener::Submission: return "submission";
        case Listener::Submissions: return "submissions";
    }
    return "smtp";
}

Session::Session(SessionInfo info, std::shared_ptr<const store::Snapshot> snapshot)
    : info_(std::move(info)), snap_(std::move(snapshot)) {}

void Session::reply(int code, std::string_view enhanced, std::string_view text) {
    out_ += format_reply(code, enhanced, text);
}

Next Session::error(int code, std::string_view enhanced, std::string_view text) {
    reply(code, enhanced, text);
    if (++errors_ >= settings().smtp_hard_error_limit) {
        reply(421, "4.7.0", info_.hostname + " Error: too many errors");
        log_.push_back(fmt::format("too many errors from {}", info_.client_ip.str()));
        return Next::Close;
    }
    return Next::Line;
}

std::string Session::greeting() {
    reply(220, "", info_.hostname + " ESMTP Magpie");
    return take_output();
}

void Session::reset_transaction() {
    if (phase_ == Phase::Mail || phase_ == Phase::Data) phase_ = Phase::Ready;
    sender_.clear();
    null_sender_ = false;
    body_.clear();
    dsn_ret_.clear();
    dsn_envid_.clear();
    smtputf8_ = false;
    declared_size_ = 0;
    rcpts_.clear();
    rcpt_attempts_ = 0;
    bdat_open_ = bdat_used_ = bdat_discard_ = bdat_last_ = false;
    bdat_size_ = bdat_total_ = 0;
    bdat_error_.clear();
}

bool Session::inside() const {
    if (!auth_user_.empty()) return true;
    auto& s = settings();
    return s.trusted_networks.contains(info_.client_ip) || s.relay_from.contains(info_.client_ip);
}

// AUTH exists on this listener at all (RFC 4954); on port 25 only when the admin enables it.
bool Session::auth_offered() const {
    return info_.listener != Listener::Smtp || settings().smtp_auth_on_port25;
}

// AUTH can be used now: offered, and over TLS unless plaintext auth is allowed.
bool Session::auth_allowed() const {
    return auth_offered() && (info_.tls_active || settings().allow_plaintext_auth);
}

std::string Session::protocol() const {
    std::string p = esmtp_ ? "ESMTP" : "SMTP";
    if (info_.tls_active) p += "S";
    if (!auth_user_.empty()) p += "A";  // RFC 3848
    return p;
}

Next Session::on_line_too_long() {
    ++commands_;
    if (auth_stage_) {
        auth_stage_ = 0;
        return error(500, "5.5.6", "Error: authentication exchange line is too long");
    }
    return error(500, "5.5.2", "Error: line too long");
}

Next Session::on_timeout() {
    reply(421, "4.4.2", info_.hostname + " Error: timeout exceeded");
    log_.push_back(fmt::format("timeout after {} from {}", commands_, info_.client_ip.str()));
    return Next::Close;
}

Next Session::on_tls_started(std::string tls_info) {
    // RFC 3207 §4.2: forget everything learned before TLS.
    info_.tls_active = true;
    tls_info_ = std::move(tls_info);
    reset_transaction();
    phase_ = Phase::Start;
    esmtp_ = false;
    helo_.clear();
    auth_user_.clear();
    return Next::Line;
}

Next Session::on_line(std::string_view line) {
    if (++commands_ > settings().smtp_max_commands) {
        reply(421, "4.7.0", info_.hostname + " Error: too many commands");
        return Next::Close;
    }
    if (auth_stage_) return auth_step(line);
    if (line.find('\0') != std::string_view::npos)
        return error(500, "5.5.2", "Error: NUL character in command");
    Command c = parse_command(line);
    switch (c.verb) {
        case Verb::Helo: return cmd_helo(c.args, false);
        case Verb::Ehlo: return cmd_helo(c.args, true);
        case Verb::Mail: return cmd_mail(c.args);
        case Verb::Rcpt: return cmd_rcpt(c.args);
        case Verb::Data: return cmd_data(c.args);
        case Verb::Bdat: return cmd_bdat(c.args);
        case Verb::Auth: return cmd_auth(c.args);
        case Verb::StartTls: return cmd_starttls(c.args);
        case Verb::Rset:
            if (!c.args.empty()) return error(501, "5.5.4", "Syntax: RSET");
            reset_transaction();
            reply(250, "2.0.0", "Ok");
            return Next::Line;
        case Verb::Noop:
            reply(250, "2.0.0", "Ok");
            return Next::Line;
        case Verb::Quit:
            reply(221, "2.0.0", "Bye");
            return Next::Close;
        case Verb::Vrfy:
            if (c.args.empty()) return error(501, "5.5.4", "Syntax: VRFY address");
            reply(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery");
            return Next::Line;
        case Verb::Expn: return error(502, "5.5.1", "Error: command not implemented");
        case Verb::Help:
            reply(214, "2.0.0", "See RFC 5321");
            return Next::Line;
        case Verb::Unknown: break;
    }
    return error(500, "5.5.2", "Error: command not recognized");
}

Next Session::cmd_helo(std::string_view args, bool extended) {
    if (args.empty() || args.find(' ') != std::string_view::npos)
        return error(501, "5.5.4", extended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
    reset_transaction();
    phase_ = Phase::Ready;
    esmtp_ = extended;
    helo_ = std::string(args);
    if (!extended) {
        reply(250, "", info_.hostname);
        return Next::Line;
    }
    auto& s = settings();
    std::vector<std::string> lines = {info_.hostname, "PIPELINING", fmt::format("SIZE {}", s.max_message_size)};
    if (info_.tls_available && !info_.tls_active) lines.push_back("STARTTLS");
    if (auth_allowed() && auth_user_.empty()) lines.push_back("AUTH PLAIN LOGIN");
    for (auto* ext : {"ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"}) lines.push_back(ext);
    out_ += format_reply(250, "", lines);
    return Next::Line;
}

Next Session::cmd_starttls(std::string_view args) {
    if (!args.empty()) return error(501, "5.5.4", "Syntax: STARTTLS");
    if (info_.tls_active) return error(554, "5.5.1", "Error: TLS already active");
    if (!info_.tls_available) return error(502, "5.5.1", "Error: command not implemented");
    if (phase_ == Phase::Mail) return error(503, "5.5.1", "Error: MAIL transaction in progress");
    reply(220, "2.0.0", "Ready to start TLS");
    return Next::StartTls;
}

static bool parse_size(std::string_view s, int64_t& out) {
    if (s.empty() || s.size() > 18) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && out >= 0;
}

Next Session::cmd_mail(std::string_view args) {
    if (phase_ == Phase::Start) return error(503, "5.5.1", "Error: send HELO/EHLO first");
    if (phase_ != Phase::Ready) return error(503, "5.5.1", "Error: nested MAIL command");
    auto& s = settings();
    if (info_.listener != Listener::Smtp && auth_user_.empty()) {
        if (!info_.tls_active && !s.allow_plaintext_auth)
            return error(530, "5.7.0", "Must issue a STARTTLS command first");
        return error(530, "5.7.0", "Authentication required");
    }
    if (messages_ >= s.smtp_max_messages) {
        reply(421, "4.7.0", info_.hostname + " Error: too many messages in one session");
        return Next::Close;
    }
    // SMTPUTF8 must be known before the address is checked.
    bool utf8 = false;
    for (auto& w : split_list(args, " "))
        if (iequals(w, "SMTPUTF8")) utf8 = true;
    PathArg p;
    switch (parse_path_arg(args, "FROM", utf8, p)) {
        case PathError::None: break;
        case PathError::BadAddress:
            return error(501, "5.1.7", fmt::format("<{}>: Sender address rejected: bad address syntax", p.address));
        default: return error(501, "5.5.4", "Syntax: MAIL FROM:<address>");
    }
    if (!p.params.empty() && !esmtp_) return error(555, "5.5.4", "Error: parameters need EHLO");
    std::string body, ret, envid;
    int64_t size = 0;
    for (auto& [key, value] : p.params) {
        if (key == "SIZE") {
            if (!parse_size(value, size)) return error(501, "5.5.4", "Bad SIZE parameter");
            if (size > s.max_message_size)  // RFC 1870 §6
                return error(552, "5.3.4", "Message size exceeds fixed limit");
        } else if (key == "BODY") {
            if (!iequals(value, "7BIT") && !iequals(value, "8BITMIME"))
                return error(501, "5.5.4", "Unsupported BODY parameter");
            body = to_lower(value) == "7bit" ? "7BIT" : "8BITMIME";
        } else if (key == "SMTPUTF8") {
            if (!value.empty()) return error(501, "5.5.4", "Bad SMTPUTF8 parameter");
        } else if (key == "RET") {  // RFC 3461 §4.3
            if (!iequals(value, "FULL") && !iequals(value, "HDRS")) return error(501, "5.5.4", "Bad RET parameter");
            ret = to_lower(value) == "full" ? "FULL" : "HDRS";
        } else if (key == "ENVID") {  // RFC 3461 §4.4
            auto d = decode_xtext(value);
            if (!d || value.size() > 100) return error(501, "5.5.4", "Bad ENVID parameter");
            envid = *d;
        } else if (key == "AUTH") {  // RFC 4954 §5: accepted, not trusted
        } else {
            return error(555, "5.5.4", fmt::format("Unsupported option: {}", key));
        }
    }
    if (!p.address.empty() && iequals(p.address, "postmaster"))
        return error(501, "5.1.7", "<postmaster>: Sender address rejected: need fully-qualified address");
    if (s.enforce_sender_login_match && !auth_user_.empty() && !p.address.empty()) {
        bool owned = false;
        for (auto& t : store::expand_recipients(*snap_, {p.address}))
            if (t.kind == store::Target::Kind::Mailbox && t.name == auth_user_) owned = true;
        if (!owned) {
            log_.push_back(fmt::format("reject: MAIL from {}: <{}> not owned by user {}", info_.client_ip.str(),
                                       p.address, auth_user_));
            return error(553, "5.7.1",
                         fmt::format("<{}>: Sender address rejected: not owned by user {}", p.address, auth_user_));
        }
    }
    reset_transaction();
    phase_ = Phase::Mail;
    sender_ = p.address;
    null_sender_ = p.address.empty();
    body_ = body;
    dsn_ret_ = ret;
    dsn_envid_ = envid;
    smtputf8_ = utf8;
    declared_size_ = size;
    reply(250, "2.1.0", "Ok");
    return Next::Line;
}

static bool valid_notify(std::string_view v) {
    auto items = split_list(v, ",");
    if (items.empty()) return false;
    for (auto& i : items) {
        if (iequals(i, "NEVER")) {
            if (items.size() != 1) return false;
        } else if (!iequals(i, "SUCCESS") && !iequals(i, "FAILURE") && !iequals(i, "DELAY")) {
            return false;
        }
    }
    return true;
}

Next Session::cmd_rcpt(std::string_view args) {
    if (phase_ != Phase::Mail) return error(503, "5.5.1", "Error: need MAIL command");
    auto& s = settings();
    PathArg p;
    switch (parse_path_arg(args, "TO", smtputf8_, p)) {
        case PathError::None: break;
        case PathError::BadAddress:
            return error(501, "5.1.3", fmt::format("<{}>: Recipient address rejected: bad address syntax", p.address));
        default: return error(501, "5.5.4", "Syntax: RCPT TO:<address>");
    }
    if (p.address.empty()) return error(501, "5.1.3", "Syntax: RCPT TO:<address>");
    if (!p.params.empty() && !esmtp_) return error(555, "5.5.4", "Error: parameters need EHLO");
    queue::Recipient r;
    for (auto& [key, value] : p.params) {
        if (key == "NOTIFY") {  // RFC 3461 §4.1
            if (!valid_notify(value)) return error(501, "5.5.4", "Bad NOTIFY parameter");
            r.notify = value;
            for (auto& ch : r.notify) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
        } else if (key == "ORCPT") {  // RFC 3461 §4.2
            auto semi = value.find(';');
            if (semi == std::string::npos || semi == 0 || !decode_xtext(value.substr(semi + 1)) || value.size() > 500)
                return error(501, "5.5.4", "Bad ORCPT parameter");
            r.orcpt = value;
        } else {
            return error(555, "5.5.4", fmt::format("Unsupported option: {}", key));
        }
    }
    ++rcpt_attempts_;
    if (static_cast<int64_t>(rcpts_.size()) >= s.smtp_recipient_limit) {
        reply(452, "4.5.3", "Error: too many recipients");  // RFC 5321 §4.5.3.1.10
        return Next::Line;
    }
    std::string addr = p.address;
    // RFC 5321 §4.5.1: <postmaster> without a domain must be accepted.
    if (iequals(addr, "postmaster")) {
        std::string domain = store::is_local_domain(*snap_, info_.hostname) ? info_.hostname : "";
        if (domain.empty() && !snap_->domains.empty()) domain = snap_->domains.begin()->first;
        addr = "postmaster@" + (domain.empty() ? info_.hostname : domain);
    }
    auto status = store::check_recipient(*snap_, addr, inside());
    auto rejected = [&](int code, std::string_view enh, std::string_view why) {
        log_.push_back(fmt::format("reject: RCPT from [{}]: {} {} <{}>: {}; from=<{}> to=<{}> helo=<{}>",
                                   info_.client_ip.str(), code, enh, addr, why, sender_, addr, helo_));
        return error(code, enh, fmt::format("<{}>: {}", addr, why));
    };
    switch (status) {
        case store::RcptStatus::Ok: break;
        case store::RcptStatus::Unknown:
            return rejected(550, "5.1.1", "Recipient address rejected: User unknown");
        case store::RcptStatus::Disabled:
            return rejected(550, "5.2.1", "Recipient address rejected: Mailbox disabled");
        case store::RcptStatus::InternalOnly:
            return rejected(550, "5.7.1", "Recipient address rejected: Access denied");
        case store::RcptStatus::NotLocalDomain:
            if (!inside()) return rejected(554, "5.7.1", "Relay access denied");
            break;
    }
    // RFC 3463 §3.3: X.2.2 mailbox full.
    if (status == store::RcptStatus::Ok && over_quota(addr))
        return rejected(552, "5.2.2", "Recipient address rejected: Mailbox full");
    r.address = addr;
    rcpts_.push_back(std::move(r));
    reply(250, "2.1.5", "Ok");
    return Next::Line;
}

// True when the address reaches mailboxes only and every one of them is full, as far as
// the cached usage knows: a message of the declared size (or any message) would not fit.
// Mixed targets are left to delivery, which checks each mailbox.
bool Session::over_quota(const std::string& address) const {
    if (!usage_peek_) return false;
    bool any = false;
    uint64_t size = static_cast<uint64_t>(std::max<int64_t>(declared_size_, 1));
    for (auto& t : store::expand_recipients(*snap_, {address})) {
        if (t.rcpt != 0) continue;  // hidden copies and always_bcc
        if (t.kind != store::Target::Kind::Mailbox) return false;
        uint64_t limit = store::quota_of(*snap_, t.name);
        if (limit == 0) return false;
        auto used = usage_peek_(t.name);
        if (!used || store::quota_fits(limit, *used, size)) return false;
        any = true;
    }
    return any;
}

Next Session::cmd_data(std::string_view args) {
    if (!args.empty()) return error(501, "5.5.4", "Syntax: DATA");
    if (phase_ != Phase::Mail) return error(503, "5.5.1", "Error: need MAIL command");
    if (bdat_used_) return error(503, "5.5.1", "Error: DATA after BDAT");
    if (rcpts_.empty()) {
        if (rcpt_attempts_ > 0) return error(554, "5.5.1", "Error: no valid recipients");
        return error(503, "5.5.1", "Error: need RCPT command");
    }
    phase_ = Phase::Data;
    reply(354, "", "End data with <CR><LF>.<CR><LF>");
    return Next::Data;
}

Next Session::cmd_bdat(std::string_view args) {
    auto parts = split_list(args, " ");
    int64_t size = 0;
    if (parts.empty() || parts.size() > 2 || !parse_size(parts[0], size) ||
        (parts.size() == 2 && !iequals(parts[1], "LAST")))
        return error(501, "5.5.4", "Syntax: BDAT count [LAST]");
    bdat_size_ = size;
    bdat_last_ = parts.size() == 2;
    auto& s = settings();
    // RFC 3030 §3: the chunk follows whatever we answer, so it is read (and maybe dropped).
    if (size > 2 * s.max_message_size + 65536) {
        reply(552, "5.3.4", "Error: BDAT chunk too big");
        return Next::Close;
    }
    if (!bdat_open_) {
        bdat_error_.clear();
        bdat_discard_ = false;
        if (phase_ != Phase::Mail) {
            bdat_error_ = phase_ == Phase::Start ? "503 5.5.1 Error: send HELO/EHLO first"
                                                 : "503 5.5.1 Error: need MAIL command";
        } else if (rcpts_.empty()) {
            bdat_error_ = rcpt_attempts_ ? "554 5.5.1 Error: no valid recipients" : "503 5.5.1 Error: need RCPT command";
        }
        bdat_open_ = true;
        bdat_used_ = true;
        bdat_discard_ = !bdat_error_.empty();
    }
    return Next::Bdat;
}

DataLimits Session::data_limits() const {
    auto& s = settings();
    return DataLimits{s.max_message_size, s.smtp_data_line_limit, s.smtp_header_size_limit};
}

Next Session::finish_message_check(const DataStats& st) {
    auto fail = [&](int code, std::string_view enh, std::string_view text) {
        log_.push_back(fmt::format("reject: END-OF-MESSAGE from [{}]: {} {} {}; from=<{}>", info_.client_ip.str(),
                                   code, enh, text, sender_));
        reset_transaction();
        return error(code, enh, text);
    };
    if (st.too_big) return fail(552, "5.3.4", "Error: message file too big");
    if (st.header_too_big) return fail(552, "5.3.4", "Error: message header too big");
    if (st.nul) return fail(554, "5.6.0", "Error: message contains NUL characters");
    if (st.bare_lf) return fail(554, "5.6.0", "Error: message contains bare <LF> line ends");
    if (st.long_line) return fail(554, "5.6.0", "Error: message line too long");
    return Next::Commit;
}

Next Session::on_data_end(const DataStats& stats) { return finish_message_check(stats); }

Next Session::on_bdat_chunk(const DataStats& stats) {
    bdat_total_ += bdat_size_;
    if (bdat_discard_) {
        std::string err = bdat_error_;
        if (bdat_last_ || phase_ != Phase::Mail) {
            bdat_open_ = false;
            bdat_discard_ = false;
        }
        int code = std::stoi(err.substr(0, 3));
        return error(code, err.substr(4, 5), err.substr(10));
    }
    if (stats.too_big) {
        // Keep reading chunks until LAST, answering each with the size error.
        bdat_discard_ = !bdat_last_;
        bdat_error_ = "552 5.3.4 Error: message file too big";
        if (bdat_last_) bdat_open_ = false;
        log_.push_back(fmt::format("reject: BDAT from [{}]: message too big; from=<{}>", info_.client_ip.str(), sender_));
        if (bdat_last_) reset_transaction();
        return error(552, "5.3.4", "Error: message file too big");
    }
    if (!bdat_last_) {
        reply(250, "2.0.0", fmt::format("{} bytes received", bdat_size_));
        return Next::Line;
    }
    bdat_open_ = false;
    return finish_message_check(stats);
}

Next Session::cmd_auth(std::string_view args) {
    if (phase_ == Phase::Start) return error(503, "5.5.1", "Error: send HELO/EHLO first");
    if (!auth_offered()) return error(503, "5.5.1", "Error: authentication not enabled");
    if (!auth_user_.empty()) return error(503, "5.5.1", "Error: already authenticated");
    if (phase_ == Phase::Mail) return error(503, "5.5.1", "Error: MAIL transaction in progress");
    if (!auth_allowed()) return error(538, "5.7.11", "Encryption required for requested authentication mechanism");
    auto parts = split_list(args, " ");
    if (parts.empty() || parts.size() > 2) return error(501, "5.5.4", "Syntax: AUTH mechanism");
    auth_req_ = AuthRequest{to_lower(parts[0]) == "plain" ? "PLAIN" : to_lower(parts[0]) == "login" ? "LOGIN" : "", "", ""};
    if (auth_req_.mechanism.empty()) return error(504, "5.5.4", "Error: unsupported authentication mechanism");
    if (auth_req_.mechanism == "PLAIN") {
        auth_stage_ = 1;
        if (parts.size() == 2) return auth_step(parts[1]);  // RFC 4954 §4 initial response
        out_ += "334 \r\n";
        return Next::AuthLine;
    }
    auth_stage_ = 1;
    if (parts.size() == 2) return auth_step(parts[1]);
    out_ += "334 VXNlcm5hbWU6\r\n";
    return Next::AuthLine;
}

Next Session::auth_step(std::string_view response) {
    if (response == "*") {  // RFC 4954 §4: client cancels
        auth_stage_ = 0;
        return error(501, "5.7.0", "Error: authentication aborted");
    }
    std::optional<std::string> decoded = response == "=" ? std::string() : base64_decode(response);
    if (!decoded) {
        auth_stage_ = 0;
        return error(501, "5.5.2", "Error: invalid base64 data");
    }
    if (auth_req_.mechanism == "PLAIN") {
        // RFC 4616: [authzid] NUL authcid NUL passwd
        auto& d = *decoded;
        auto n1 = d.find('\0');
        auto n2 = n1 == std::string::npos ? n1 : d.find('\0', n1 + 1);
        auth_stage_ = 0;
        if (n2 == std::string::npos) return error(501, "5.5.2", "Error: malformed PLAIN response");
        std::string authz = d.substr(0, n1);
        auth_req_.login = d.substr(n1 + 1, n2 - n1 - 1);
        auth_req_.password = d.substr(n2 + 1);
        if (!authz.empty() && authz != auth_req_.login) auth_req_.password.clear(), auth_req_.login = "\x01";
        return Next::VerifyAuth;
    }
    if (auth_stage_ == 1) {
        auth_req_.login = *decoded;
        auth_stage_ = 2;
        out_ += "334 UGFzc3dvcmQ6\r\n";
        return Next::AuthLine;
    }
    auth_req_.password = *decoded;
    auth_stage_ = 0;
    return Next::VerifyAuth;
}

Next Session::on_auth_result(const std::optional<std::string>& user) {
    std::string login = auth_req_.login;
    auth_req_.password.assign(auth_req_.password.size(), '\0');
    auth_req_.password.clear();
    if (user) {
        auth_user_ = *user;
        log_.push_back(fmt::format("client=[{}], sasl_method={}, sasl_username={}", info_.client_ip.str(),
                                   auth_req_.mechanism, auth_user_));
        reply(235, "2.7.0", "Authentication successful");
        return Next::Line;
    }
    ++auth_failures_;
    log_.push_back(fmt::format("warning: [{}]: SASL {} authentication failed for user {}", info_.client_ip.str(),
                               auth_req_.mechanism, login));
    if (auth_failures_ >= settings().smtp_max_auth_failures) {
        reply(535, "5.7.8", "Error: authentication failed");
        reply(421, "4.7.0", info_.hostname + " Error: too many authentication failures");
        return Next::Close;
    }
    return error(535, "5.7.8", "Error: authentication failed");
}

static std::string rfc5322_date(std::time_t now) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

static std::string sanitize_helo(std::string_view h) {
    std::string out;
    for (char c : h.substr(0, 255)) {
        unsigned char u = static_cast<unsigned char>(c);
        out += (u < 33 || u == 127 || c == '(' || c == ')' || c == ';') ? '?' : c;
    }
    return out;
}

// RFC 5321 §4.4 trace field.
std::string Session::received_header(std::string_view queue_id, std::time_t now) const {
    std::string ip = info_.client_ip.v4 ? info_.client_ip.str() : "IPv6:" + info_.client_ip.str();
    std::string h = fmt::format("Received: from {} ([{}])\r\n\tby {} (Magpie) with {} id {}", sanitize_helo(helo_),
                                ip, info_.hostname, protocol(), queue_id);
    if (!tls_info_.empty()) h += fmt::format("\r\n\t({})", tls_info_);
    if (rcpts_.size() == 1) h += fmt::format("\r\n\tfor <{}>", rcpts_[0].address);
    h += fmt::format("; {}\r\n", rfc5322_date(now));
    return h;
}

queue::Envelope Session::envelope(std::string queue_id, std::time_t now, const DataStats& stats) const {
    queue::Envelope e;
    e.id = std::move(queue_id);
    e.arrival = static_cast<int64_t>(now);
    e.sender = sender_;
    e.recipients = rcpts_;
    std::vector<std::string> addrs;
    for (auto& r : rcpts_) addrs.push_back(r.address);
    e.targets = store::expand_recipients(*snap_, addrs);
    e.client_ip = info_.client_ip.str();
    e.client_helo = helo_;
    e.auth_user = auth_user_;
    e.listener = listener_name(info_.listener);
    e.protocol = protocol();
    e.body = body_;
    e.smtputf8 = smtputf8_;
    e.dsn_ret = dsn_ret_;
    e.dsn_envid = dsn_envid_;
    e.message_id = stats.message_id.substr(0, 500);
    return e;
}

Next Session::on_commit(bool ok, std::string_view queue_id, std::string_view err) {
    if (ok) {
        ++messages_;
        reply(250, "2.0.0", fmt::format("Ok: queued as {}", queue_id));
    } else {
        log_.push_back(fmt::format("warning: queue file write error: {}", err));
        if (err.find("No space left") != std::string_view::npos)
            reply(452, "4.3.1", "Error: insufficient system storage");  // RFC 5321 §4.5.3.1.9
        else
            reply(451, "4.3.0", "Error: queue file write error");
    }
    reset_transaction();
    return Next::Line;
}

Next Session::on_filtered(int code, std::string_view enhanced, std::string_view text) {
    reply(code, enhanced, text);
    reset_transaction();
    return Next::Line;
}

}  // namespace magpie::smtp
