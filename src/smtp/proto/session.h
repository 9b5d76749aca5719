// The SMTP server session as a pure state machine (RFC 5321, 1870 SIZE, 2920 PIPELINING,
// 3030 CHUNKING, 3207 STARTTLS, 3461 DSN, 4954 AUTH, 6152 8BITMIME, 6531 SMTPUTF8,
// 2034 ENHANCEDSTATUSCODES). The server feeds it lines and results and performs the
// Next step it asks for (read a line, read DATA, read a BDAT chunk, start TLS, verify a
// password, commit the message, close); replies and maillog lines are collected for the
// server to send and write. No sockets, no clock, no disk.
#pragma once
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cidr.h"
#include "queue/queue_file.h"
#include "smtp/proto/data_reader.h"
#include "store/directory.h"

namespace magpie::smtp {

enum class Listener { Smtp, Submission, Submissions };
const char* listener_name(Listener l);

struct SessionInfo {
    Listener listener = Listener::Smtp;
    std::string hostname;
    IpAddr client_ip;
    bool tls_available = false;  // STARTTLS can be offered
    bool tls_active = false;     // implicit TLS (port 465)
};

enum class Next {
    Line,        // read the next command line
    AuthLine,    // read a SASL response line
    Data,        // stream DATA through a DataReader(data_limits(), true)
    Bdat,        // read exactly bdat_size() bytes through the BDAT DataReader
    StartTls,    // flush the reply, drop buffered input, run the TLS handshake, then on_tls_started()
    VerifyAuth,  // check auth_request() and call on_auth_result()
    Commit,      // commit the message with envelope() and call on_commit()
    Close,       // flush the reply and close
};

struct AuthRequest {
    std::string mechanism;
    std::string login;
    std::string password;
};

// A user's mailbox usage in bytes as last known, for the RCPT-time quota check; nullopt
// when not known yet. Must answer from memory: the session runs on an I/O thread.
using UsagePeek = std::function<std::optional<uint64_t>(const std::string& user)>;

class Session {
public:
    Session(SessionInfo info, std::shared_ptr<const store::Snapshot> snapshot);

    // The directory/settings view; the server refreshes it between commands.
    void set_snapshot(std::shared_ptr<const store::Snapshot> s) { snap_ = std::move(s); }
    const store::Settings& settings() const { return snap_->settings; }
    // Turns on the quota check at RCPT (552 5.2.2); without it only delivery checks.
    void set_usage_peek(UsagePeek peek) { usage_peek_ = std::move(peek); }

    std::string greeting();  // sets the 220 reply into the output
    Next on_line(std::string_view line);
    Next on_line_too_long();
    Next on_timeout();
    Next on_tls_started(std::string tls_info);

    const AuthRequest& auth_request() const { return auth_req_; }
    // `user` is the canonical user name on success. Returns Line or Close.
    Next on_auth_result(const std::optional<std::string>& user);
    int64_t auth_failure_delay_ms() const { return settings().smtp_auth_failure_delay_ms; }

    DataLimits data_limits() const;
    int64_t bdat_size() const { return bdat_size_; }
    bool message_open() const { return phase_ == Phase::Data || bdat_open_; }
    bool message_discarding() const { return bdat_discard_; }
    Next on_data_end(const DataStats& stats);
    Next on_bdat_chunk(const DataStats& stats);

    std::string received_header(std::string_view queue_id, std::time_t now) const;
    queue::Envelope envelope(std::string queue_id, std::time_t now, const DataStats& stats) const;
    // ok: queued as `queue_id`; otherwise `error` says why (disk full...). Returns Line.
    Next on_commit(bool ok, std::string_view queue_id, std::string_view error);
    // The filter refused the message at the end of DATA/BDAT (554 5.7.1 reject, 451 4.7.1
    // greylisting): the reply is sent and the transaction ends, nothing is queued.
    Next on_filtered(int code, std::string_view enhanced, std::string_view text);

    std::string take_output() { return std::move(out_); }
    std::vector<std::string> take_log() { return std::move(log_); }
    const std::string& auth_user() const { return auth_user_; }
    const std::string& helo() const { return helo_; }
    bool tls_active() const { return info_.tls_active; }
    const SessionInfo& info() const { return info_; }

private:
    enum class Phase { Start, Ready, Mail, Data };

    void reply(int code, std::string_view enhanced, std::string_view text);
    Next error(int code, std::string_view enhanced, std::string_view text);
    void reset_transaction();
    bool inside() const;
    bool over_quota(const std::string& address) const;
    bool auth_allowed() const;
    bool auth_offered() const;
    std::string protocol() const;

    Next cmd_helo(std::string_view args, bool extended);
    Next cmd_mail(std::string_view args);
    Next cmd_rcpt(std::string_view args);
    Next cmd_data(std::string_view args);
    Next cmd_bdat(std::string_view args);
    Next cmd_auth(std::string_view args);
    Next cmd_starttls(std::string_view args);
    Next auth_step(std::string_view response);
    Next finish_message_check(const DataStats& stats);

    SessionInfo info_;
    std::shared_ptr<const store::Snapshot> snap_;
    UsagePeek usage_peek_;
    std::string out_;
    std::vector<std::string> log_;

    Phase phase_ = Phase::Start;
    bool esmtp_ = false;
    std::string helo_;
    std::string tls_info_;
    std::string auth_user_;
    AuthRequest auth_req_;
    int auth_stage_ = 0;  // LOGIN: 1 = want user, 2 = want password; PLAIN: 1
    int64_t auth_failures_ = 0;
    int64_t errors_ = 0;
    int64_t commands_ = 0;
    int64_t messages_ = 0;

    // Transaction.
    std::string sender_;
    bool null_sender_ = false;
    std::string body_, dsn_ret_, dsn_envid_;
    bool smtputf8_ = false;
    int64_t declared_size_ = 0;  // MAIL FROM SIZE=, 0 when not given
    std::vector<queue::Recipient> rcpts_;
    int rcpt_attempts_ = 0;
    bool bdat_open_ = false;
    bool bdat_used_ = false;
    bool bdat_discard_ = false;
    bool bdat_last_ = false;
    int64_t bdat_size_ = 0;
    int64_t bdat_total_ = 0;
    std::string bdat_error_;
};

}  // namespace magpie::smtp
