// The POP3 server session as a pure state machine: RFC 1939 (AUTHORIZATION, TRANSACTION
// and UPDATE states), RFC 2449 CAPA and response codes, RFC 3206 [SYS/*] and [AUTH],
// RFC 5034 SASL (PLAIN, LOGIN, initial responses), RFC 2595 STLS. The server feeds it
// lines and results and performs the Next step it asks for (start TLS, check a password on
// the blocking pool, open the maildrop, send a message, apply the deletions, close);
// replies and maillog lines are collected for the server to send and write. No sockets,
// no clock, no disk.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/authenticator.h"
#include "core/cidr.h"
#include "pop3/proto/command.h"
#include "pop3/proto/maildrop.h"
#include "store/directory.h"

namespace magpie::pop3 {

struct SessionInfo {
    std::string hostname;
    IpAddr client_ip;
    std::string local_ip;
    bool tls_available = false;  // STLS can be offered
    bool tls_active = false;     // implicit TLS (pop3s) or after STLS
};

enum class Next {
    Line,          // read the next command line (at most line_limit() octets)
    AuthLine,      // read a SASL response line
    StartTls,      // flush the reply, drop buffered input, handshake, then on_tls_started()
    VerifyAuth,    // check auth_request() with authenticate_mail, then on_auth_result()
    OpenMaildrop,  // check the per-user limit, load user()'s INBOX, then on_maildrop*()
    SendMessage,   // find send_request()'s message, then on_send_begin()/on_send_missing()
    Update,        // expunge deleted_uids(), \Seen on seen_uids(), then on_update_done()
    Close,         // flush the reply and close
};

struct AuthRequest {
    std::string mechanism;  // "PLAIN" (also for USER/PASS) or "LOGIN"
    std::string authzid;
    std::string authcid;
    std::string password;
};

struct SendRequest {
    uint32_t uid = 0;
    size_t number = 0;        // message number, 1-based
    int64_t body_lines = -1;  // TOP's line count, -1 for RETR
};

enum class MaildropError { InUse, Temporary };

// A maillog line: the component ("pop3-login", "pop3(alice)") and the text.
using LogLine = std::pair<std::string, std::string>;

class Session {
  public:
    Session(SessionInfo info, std::shared_ptr<const store::Snapshot> snapshot);

    // The directory/settings view; the server refreshes it between commands.
    void set_snapshot(std::shared_ptr<const store::Snapshot> s) { snap_ = std::move(s); }
    const store::Settings& settings() const { return snap_->settings; }

    std::string greeting();
    Next on_line(std::string_view line);
    Next on_line_too_long();
    size_t line_limit() const;
    // RFC 1939 §3: the autologout timer closes without a response and without UPDATE.
    Next on_timeout();
    Next on_shutdown();
    Next on_tls_started();

    const AuthRequest& auth_request() const { return auth_req_; }
    Next on_auth_result(const std::optional<auth::MailLogin>& login);
    // The pause before a failed login is answered: SMTP's smtp_auth_failure_delay_ms.
    int64_t auth_failure_delay_ms() const { return settings().smtp_auth_failure_delay_ms; }

    const std::string& user() const { return user_; }
    Next on_maildrop(Maildrop drop);
    Next on_maildrop_error(MaildropError e);

    const SendRequest& send_request() const { return send_req_; }
    // The message is there: queues the "+OK" line; the server then sends the data and the
    // terminator and reports the octets it sent.
    void on_send_begin();
    void on_sent(uint64_t octets);
    // Expunged by another process meanwhile: -ERR, and the session goes on.
    Next on_send_missing();

    // UPDATE state (RFC 1939 §6): what QUIT asks the server to do.
    std::vector<uint32_t> deleted_uids() const;
    std::vector<uint32_t> seen_uids() const;  // retrieved with RETR and not deleted
    // `removed`: how many of deleted_uids() are gone now. Returns Close.
    Next on_update_done(size_t removed);

    // The last log line; `lost` when the client went away without a QUIT.
    void on_closed(bool lost);

    std::string take_output() { return std::move(out_); }
    std::vector<LogLine> take_log() { return std::move(log_); }
    bool tls_active() const { return info_.tls_active; }
    bool logged_in() const { return state_ != State::Authorization; }

  private:
    enum class State { Authorization, Transaction, Update, Done };

    void ok(std::string_view text);
    Next err(std::string_view text);  // a plain -ERR answer
    Next bad(std::string_view text);  // a bad command: -ERR, counted
    bool plaintext_allowed() const;
    std::string log_context() const;
    std::string component() const;
    std::string logout_stats() const;
    uint64_t live_size() const;
    size_t live_count() const;
    // Resolves a message-number argument; on failure queues the -ERR and sets `next`.
    bool pick(std::string_view arg, size_t& index, Next& next);

    Next authorization(const Command& c);
    Next transaction(const Command& c);
    Next cmd_capa();
    Next cmd_auth(const Command& c);
    Next auth_step(std::string_view response);
    Next cmd_list(const Command& c, bool uidl);
    Next cmd_send(const Command& c, bool top);

    SessionInfo info_;
    std::shared_ptr<const store::Snapshot> snap_;
    std::string out_;
    std::vector<LogLine> log_;

    State state_ = State::Authorization;
    int bad_commands_ = 0;
    int64_t auth_failures_ = 0;
    std::string pending_user_;  // USER before PASS
    AuthRequest auth_req_;
    int auth_stage_ = 0;      // 1: PLAIN response or LOGIN user name, 2: LOGIN password
    std::string last_login_;  // for the disconnect line after failures
    std::string user_, master_;
    std::string close_reason_;

    Maildrop drop_;
    std::vector<char> deleted_, retrieved_;
    SendRequest send_req_;
    int64_t top_count_ = 0, retr_count_ = 0;
    uint64_t top_bytes_ = 0, retr_bytes_ = 0;
    size_t expunged_ = 0;
};

}  // namespace magpie::pop3
