// IMAP session core: parsing and dispatch by state, greeting, CAPABILITY, LOGIN and
// AUTHENTICATE (RFC 4959 SASL-IR, PLAIN per RFC 4616, LOGIN), ENABLE (RFC 5161), ID
// (RFC 2971), IDLE (RFC 2177) and LOGOUT.
#include "imap/session/session.h"

#include <fmt/format.h>

#include "auth/authenticator.h"
#include "core/base64.h"
#include "core/strings.h"
#include "imap/proto/response.h"
#include "imap/session/session_internal.h"
#include "imap/session/sort.h"

namespace magpie::imap {

Session::Session(SessionEnv env) : env_(std::move(env)) {}

Session::~Session() {
    if (slot_taken_ && env_.release_user) env_.release_user(user_);
}

void Session::log(const std::string& line) const {
    if (env_.log) env_.log(line);
}

void Session::action_log(const std::string& what) const {
    if (user_.empty() || !snap()->settings.imap_action_log) return;
    log(fmt::format("imap({}): {}", user_, what));
}

size_t Session::max_literal() const {
    int64_t m = env_.max_message_size > 0 ? env_.max_message_size : snap()->settings.max_message_size;
    return static_cast<size_t>(m) + 64 * 1024;
}

std::vector<std::string> Session::capabilities() const {
    std::vector<std::string> caps = {"IMAP4rev1", "IMAP4rev2", "SASL-IR", "LITERAL+", "ID",
                                     "ENABLE", "IDLE"};
    if (user_.empty()) {
        bool plain_ok = env_.tls || snap()->settings.allow_plaintext_auth;
        if (env_.starttls_ok && !env_.tls) caps.push_back("STARTTLS");
        if (plain_ok) {
            caps.push_back("AUTH=PLAIN");
            caps.push_back("AUTH=LOGIN");
        } else {
            caps.push_back("LOGINDISABLED");
        }
        return caps;
    }
    for (const char* c : {"NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE", "CHILDREN", "SPECIAL-USE",
                          "LIST-EXTENDED", "LIST-STATUS", "CONDSTORE", "QRESYNC", "ESEARCH",
                          "SEARCHRES", "SORT", "SORT=DISPLAY", "QUOTA", "QUOTA=RES-STORAGE",
                          "QUOTA=RES-MESSAGE", "STATUS=SIZE", "MULTIAPPEND", "BINARY", "WITHIN",
                          "SAVEDATE"}) {
        caps.emplace_back(c);
    }
    for (const auto& a : thread_algorithms()) caps.push_back("THREAD=" + a);
    caps.push_back(fmt::format("APPENDLIMIT={}", snap()->settings.max_message_size));
    return caps;
}

std::string Session::greeting() const {
    return untagged(Status::Ok, code::capability(capabilities()), "Magpie ready.");
}

void Session::cmd_capability(const Command& cmd, std::string& out) {
    out += "* CAPABILITY";
    for (const auto& c : capabilities()) {
        out += ' ';
        out += c;
    }
    out += "\r\n";
    out += tagged(cmd.tag, Status::Ok, "", "CAPABILITY completed");
}

Step Session::command(std::string_view raw, std::string& out) {
    ParseResult pr = parse_command(raw);
    if (!pr.command) {
        out += pr.bad_response();
        return {};
    }
    const Command& cmd = *pr.command;
    CommandScope scope = command_scope(cmd.kind);
    bool ok = true;
    switch (scope) {
        case CommandScope::Any:
            break;
        case CommandScope::NotAuthenticated:
            ok = user_.empty();
            break;
        case CommandScope::Authenticated:
            ok = !user_.empty();
            break;
        case CommandScope::Selected:
            ok = sel_ != nullptr;
            break;
    }
    if (!ok) {
        std::string_view why = scope == CommandScope::NotAuthenticated ? "Already logged in"
                               : user_.empty()                          ? "Log in first"
                                                                        : "No mailbox selected";
        out += tagged(cmd.tag, Status::Bad, "", why);
        return {};
    }
    if (cmd.bad_mailbox_name) {  // RFC 9051 §5.1.3: not a name any mailbox can have
        out += tagged(cmd.tag, Status::No, code::kCannot, "Invalid mailbox name");
        return {};
    }
    size_t start = out.size();
    Step step;
    try {
        step = dispatch(cmd, out);
    } catch (const std::exception& e) {
        // A file system error in the middle of a command: report it, keep the session.
        log(fmt::format("imap({}): Error: {} failed: {}", user_, cmd.tag, e.what()));
        pending_.reset();
        out += tagged(cmd.tag, Status::No, code::kServerBug, "Internal error occurred. Refer to server log for more information.");
        return {};
    }
    if (sel_ && (step.action == Action::Continue || step.action == Action::Idle) && !pending_) {
        // Untagged updates go before the command's last line (RFC 9051 §7.5.1: no
        // EXPUNGE during FETCH, STORE and SEARCH by sequence number).
        bool by_seq = !cmd.uid && (cmd.kind == CommandKind::Fetch || cmd.kind == CommandKind::Store ||
                                   cmd.kind == CommandKind::Search || cmd.kind == CommandKind::Sort ||
                                   cmd.kind == CommandKind::Thread);
        std::string updates;
        sync_view(updates, !by_seq);
        if (!updates.empty()) insert_before_last_line(out, start, updates);
    }
    return step;
}

void insert_before_last_line(std::string& out, size_t start, const std::string& text) {
    size_t pos = start;
    if (out.size() >= start + 2) {
        auto p = out.rfind("\r\n", out.size() - 3);
        pos = p == std::string::npos || p < start ? start : p + 2;
    }
    out.insert(pos, text);
}

Step Session::dispatch(const Command& cmd, std::string& out) {
    switch (cmd.kind) {
        case CommandKind::Capability:
            cmd_capability(cmd, out);
            return {};
        case CommandKind::Noop:
        case CommandKind::Check:
            out += tagged(cmd.tag, Status::Ok, "",
                          cmd.kind == CommandKind::Noop ? "NOOP completed" : "CHECK completed");
            return {};
        case CommandKind::Logout:
            out += untagged(Status::Bye, "", "Logging out");
            out += tagged(cmd.tag, Status::Ok, "", "LOGOUT completed");
            return {Action::Logout};
        case CommandKind::StartTls:
            if (env_.tls || !env_.starttls_ok) {
                out += tagged(cmd.tag, Status::Bad, "", "TLS is not available here");
                return {};
            }
            out += tagged(cmd.tag, Status::Ok, "", "Begin TLS negotiation now");
            return {Action::StartTls};
        case CommandKind::Login:
            return cmd_login(cmd, out);
        case CommandKind::Authenticate:
            return cmd_authenticate(cmd, out);
        case CommandKind::Enable:
            cmd_enable(cmd, out);
            return {};
        case CommandKind::Id:
            cmd_id(cmd, out);
            return {};
        case CommandKind::Select:
        case CommandKind::Examine:
            cmd_select(cmd, out);
            return {};
        case CommandKind::Create:
            cmd_create(cmd, out);
            return {};
        case CommandKind::Delete:
            cmd_delete(cmd, out);
            return {};
        case CommandKind::Rename:
            cmd_rename(cmd, out);
            return {};
        case CommandKind::Subscribe:
        case CommandKind::Unsubscribe:
            cmd_subscribe(cmd, cmd.kind == CommandKind::Subscribe, out);
            return {};
        case CommandKind::List:
            cmd_list(cmd, out);
            return {};
        case CommandKind::Lsub:
            cmd_lsub(cmd, out);
            return {};
        case CommandKind::Namespace:
            cmd_namespace(cmd, out);
            return {};
        case CommandKind::Status:
            cmd_status(cmd, out);
            return {};
        case CommandKind::Append:
            return cmd_append(cmd, out);
        case CommandKind::GetQuota:
        case CommandKind::GetQuotaRoot:
        case CommandKind::SetQuota:
            cmd_quota(cmd, out);
            return {};
        case CommandKind::Idle:
            idle_tag_ = cmd.tag;
            out += continuation("idling");
            return {Action::Idle};
        case CommandKind::Close:
        case CommandKind::Unselect: {
            bool expunge = cmd.kind == CommandKind::Close && !sel_->readonly;
            close_selected(expunge);
            out += tagged(cmd.tag, Status::Ok, "",
                          cmd.kind == CommandKind::Close ? "CLOSE completed" : "UNSELECT completed");
            return {};
        }
        case CommandKind::Expunge:
            cmd_expunge(cmd, out);
            return {};
        case CommandKind::Fetch:
            return cmd_fetch(cmd, out);
        case CommandKind::Store:
            cmd_store(cmd, out);
            return {};
        case CommandKind::Search:
            cmd_search(cmd, out);
            return {};
        case CommandKind::Sort:
            cmd_sort(cmd, out);
            return {};
        case CommandKind::Thread:
            cmd_thread(cmd, out);
            return {};
        case CommandKind::Copy:
        case CommandKind::Move:
            cmd_copy(cmd, cmd.kind == CommandKind::Move, out);
            return {};
        case CommandKind::Unknown:
            out += tagged(cmd.tag, Status::Bad, "", "Unknown command");
            return {};
    }
    return {};
}

// -- login ------------------------------------------------------------------------------

Step Session::cmd_login(const Command& cmd, std::string& out) {
    if (!env_.tls && !snap()->settings.allow_plaintext_auth) {
        out += tagged(cmd.tag, Status::No, code::kPrivacyRequired,
                      "Plaintext authentication disallowed on non-secure connections");
        return {};
    }
    const auto& a = cmd.as<LoginArgs>();
    return finish_login(cmd.tag, "", a.user, a.password, "LOGIN", out);
}

Step Session::cmd_authenticate(const Command& cmd, std::string& out) {
    const auto& a = cmd.as<AuthenticateArgs>();
    if (a.mechanism != "PLAIN" && a.mechanism != "LOGIN") {
        out += tagged(cmd.tag, Status::No, "", "Unsupported authentication mechanism");
        return {};
    }
    if (!env_.tls && !snap()->settings.allow_plaintext_auth) {
        out += tagged(cmd.tag, Status::No, code::kPrivacyRequired,
                      "Plaintext authentication disallowed on non-secure connections");
        return {};
    }
    sasl_ = SaslState{cmd.tag, a.mechanism, 0, ""};
    if (a.initial_response) {
        std::string ir = *a.initial_response == "=" ? "" : *a.initial_response;
        return auth_line(ir, out);
    }
    out += sasl_challenge(a.mechanism == "LOGIN" ? base64_encode("Username:") : "");
    return {Action::AuthContinue};
}

Step Session::auth_line(std::string_view line, std::string& out) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    SaslState st = *sasl_;
    if (line == "*") {
        sasl_.reset();
        out += tagged(st.tag, Status::Bad, "", "Authentication cancelled");
        return {};
    }
    auto decoded = base64_decode(line);
    if (!decoded) {
        sasl_.reset();
        out += tagged(st.tag, Status::Bad, "", "Invalid base64 data");
        return {};
    }
    if (st.mechanism == "LOGIN" && st.step == 0) {
        sasl_->user = *decoded;
        sasl_->step = 1;
        out += sasl_challenge(base64_encode("Password:"));
        return {Action::AuthContinue};
    }
    sasl_.reset();
    if (st.mechanism == "LOGIN") return finish_login(st.tag, "", st.user, *decoded, "LOGIN", out);
    // PLAIN: authzid NUL authcid NUL password (RFC 4616 §2).
    auto first = decoded->find('\0');
    auto second = first == std::string::npos ? first : decoded->find('\0', first + 1);
    if (second == std::string::npos) {
        out += tagged(st.tag, Status::Bad, "", "Invalid PLAIN response");
        return {};
    }
    std::string_view d = *decoded;
    return finish_login(st.tag, d.substr(0, first), d.substr(first + 1, second - first - 1),
                        d.substr(second + 1), "PLAIN", out);
}

Step Session::finish_login(const std::string& tag, std::string_view authzid,
                           std::string_view authcid, std::string_view password,
                           const std::string& method, std::string& out) {
    auto s = snap();
    last_login_ = std::string(authcid);
    auto who = auth::authenticate_mail(*s, authzid, authcid, password);
    if (!who) {
        ++auth_failures_;
        log(fmt::format("imap-login: Disconnected: auth failed, method={}, rip={}, user=<{}>",
                        method, env_.client_ip, authcid));
        if (auth_failures_ >= s->settings.mail_max_auth_failures) {
            out += untagged(Status::Bye, "", "Too many invalid authentication attempts");
            out += tagged(tag, Status::No, code::kAuthenticationFailed, "Authentication failed.");
            return {Action::Logout, static_cast<int>(s->settings.smtp_auth_failure_delay_ms)};
        }
        out += tagged(tag, Status::No, code::kAuthenticationFailed, "Authentication failed.");
        return {Action::Continue, static_cast<int>(s->settings.smtp_auth_failure_delay_ms)};
    }
    if (env_.acquire_user && !env_.acquire_user(who->user)) {
        log(fmt::format("imap-login: Maximum number of connections from user+IP exceeded "
                        "(mail_max_connections_per_user_ip={}): user=<{}>, rip={}",
                        s->settings.mail_max_connections_per_user_ip, who->user, env_.client_ip));
        out += tagged(tag, Status::No, code::kLimit,
                      "Maximum number of connections from user+IP exceeded");
        return {};
    }
    slot_taken_ = env_.acquire_user != nullptr;
    user_ = who->user;
    master_ = who->master;
    store_ = env_.registry->store(user_);
    log(fmt::format("imap-login: Login: user=<{}>, method={}, rip={}{}{}", user_, method,
                    env_.client_ip, master_.empty() ? "" : ", master=<" + master_ + ">",
                    env_.tls ? ", TLS" : ""));
    out += tagged(tag, Status::Ok, code::capability(capabilities()), "Logged in");
    return {};
}

// -- ENABLE, ID ---------------------------------------------------------------------------

void Session::cmd_enable(const Command& cmd, std::string& out) {
    std::string enabled;
    for (const auto& c : cmd.as<EnableArgs>().capabilities) {
        bool* flag = nullptr;
        if (c == "CONDSTORE") flag = &condstore_;
        else if (c == "QRESYNC") flag = &qresync_;
        else if (c == "IMAP4REV2") flag = &rev2_;
        if (!flag || *flag) continue;
        *flag = true;
        if (c == "QRESYNC") condstore_ = true;
        enabled += ' ';
        enabled += c == "IMAP4REV2" ? "IMAP4rev2" : c;
    }
    out += "* ENABLED" + enabled + "\r\n";
    out += tagged(cmd.tag, Status::Ok, "", "ENABLE completed");
}

void Session::cmd_id(const Command& cmd, std::string& out) {
    const auto& a = cmd.as<IdArgs>();
    if (a.params && !id_logged_) {
        // RFC 2971 §3.3 bounds a field name to 30 octets and a value to 1024; the maillog
        // takes less, and before login (anyone may send ID) less still: printable ASCII only,
        // each value cut, the whole list bounded, once per connection.
        const size_t value_max = authenticated() ? 128 : 48, total_max = authenticated() ? 512 : 256;
        auto clean = [](std::string_view in, size_t max) {
            std::string o;
            for (char ch : in.substr(0, max)) o.push_back(ch >= 0x20 && ch < 0x7F ? ch : '?');
            if (in.size() > max) o += "...";
            return o;
        };
        std::string client;
        for (const auto& [k, v] : *a.params) {
            if (!v) continue;
            if (client.size() >= total_max) {
                client += " ...";
                break;
            }
            client += " " + clean(k, 30) + "=" + clean(*v, value_max);
        }
        if (!client.empty()) {
            id_logged_ = true;
            log(fmt::format("imap-login: ID sent:{}, rip={}", client, env_.client_ip));
        }
    }
    out += "* ID (\"name\" \"Magpie\" \"vendor\" \"Magpie\" \"support-url\" \"https://magpie.invalid/\")\r\n";
    out += tagged(cmd.tag, Status::Ok, "", "ID completed");
}

// -- IDLE -----------------------------------------------------------------------------------

void Session::idle_poll(std::string& out) {
    if (sel_) sync_view(out, true);
}

Step Session::idle_done(std::string_view line, std::string& out) {
    if (!is_idle_done(line)) {
        out += tagged(idle_tag_, Status::Bad, "", "Expected DONE");
        return {};
    }
    if (sel_) sync_view(out, true);
    out += tagged(idle_tag_, Status::Ok, "", "IDLE terminated");
    return {};
}

std::string Session::watched_dir() const { return sel_ ? sel_->folder->dir() : std::string(); }

Step Session::read_error(std::string response, std::string& out) {
    out += response;
    return {};
}

}  // namespace magpie::imap
