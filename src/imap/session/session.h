// The IMAP session (RFC 9051, RFC 3501 and the extensions in docs/imap.md): connection
// state, login, the selected mailbox's view and every command's execution. Socket-free:
// the server feeds it whole commands (imap::CommandReader) and writes what it appends to
// `out`. Calls may block on the file system and on password hashing, so the server runs
// them on its blocking pool, one call at a time per session.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "filter/bayes_classifier.h"
#include "imap/proto/command.h"
#include "mailbox/registry.h"
#include "store/directory.h"

namespace magpie::imap {

struct SessionEnv {
    std::string hostname;
    std::string client_ip;
    bool tls = false;              // the connection is encrypted now
    bool starttls_ok = false;      // STARTTLS may be offered (plain listener with a certificate)
    int64_t max_message_size = 0;  // 0: from the settings
    std::function<std::shared_ptr<const store::Snapshot>()> snapshot;
    mailbox::Registry* registry = nullptr;
    filter::Bayes* bayes = nullptr;  // trained by moves into and out of Junk; may be null
    // Per-user-per-IP connection slots: false when the user has too many already.
    std::function<bool(const std::string& user)> acquire_user;
    std::function<void(const std::string& user)> release_user;
    std::function<void(const std::string& line)> log;  // one maillog line, without a prefix
};

enum class Action {
    Continue,      // read the next command
    More,          // output was cut short: write it and call more()
    StartTls,      // write the output, then run the TLS handshake
    Idle,          // write "+ idling", then call idle_poll()/idle_done()
    AuthContinue,  // write the challenge; the next line goes to auth_line()
    Logout,        // write the output and close
};

struct Step {
    Action action = Action::Continue;
    int delay_ms = 0;  // wait this long before writing (failed logins)
};

class Session {
  public:
    explicit Session(SessionEnv env);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    std::string greeting() const;

    // One whole raw command as CommandReader delivers it.
    Step command(std::string_view raw, std::string& out);
    // Continues a long response after Action::More.
    Step more(std::string& out);
    // A line during AUTHENTICATE (after Action::AuthContinue), CRLF included or not.
    Step auth_line(std::string_view line, std::string& out);
    // The reader stopped at a synchronizing literal of `size` bytes in the command read
    // so far: the tagged refusal to send (and the literal is not read), or "" to go on.
    std::string literal_refusal(std::string_view partial, size_t size);
    // A command line the reader could not read (too long, bad literal...).
    Step read_error(std::string response, std::string& out);

    // During IDLE: the changes to report now; and the end of IDLE (`line` is what the
    // client sent: "DONE", or anything else, which is answered BAD).
    void idle_poll(std::string& out);
    Step idle_done(std::string_view line, std::string& out);
    // The Maildir directory of the selected folder ("" when none), for change watching.
    std::string watched_dir() const;

    void tls_started() { env_.tls = true; }
    bool authenticated() const { return !user_.empty(); }
    // Failed logins so far, and the login name of the last attempt (for the throttle).
    int auth_failures() const { return auth_failures_; }
    const std::string& last_login() const { return last_login_; }
    const std::string& user() const { return user_; }
    // Largest literal the reader should accept.
    size_t max_literal() const;

  private:
    struct Selected;
    struct PendingFetch;

    // session.cpp: dispatch, not-authenticated state, small commands.
    Step dispatch(const Command& cmd, std::string& out);
    std::vector<std::string> capabilities() const;
    std::shared_ptr<const store::Snapshot> snap() const { return env_.snapshot(); }
    void log(const std::string& line) const;
    void action_log(const std::string& what) const;
    void cmd_capability(const Command& cmd, std::string& out);
    Step cmd_login(const Command& cmd, std::string& out);
    Step cmd_authenticate(const Command& cmd, std::string& out);
    Step finish_login(const std::string& tag, std::string_view authzid, std::string_view authcid,
                      std::string_view password, const std::string& method, std::string& out);
    void cmd_enable(const Command& cmd, std::string& out);
    // Turns CONDSTORE on for a CONDSTORE-enabling command (RFC 7162 §3.1).
    void enable_condstore(std::string& out);
    void cmd_id(const Command& cmd, std::string& out);

    // session_mailboxes.cpp: mailbox-level commands.
    void cmd_create(const Command& cmd, std::string& out);
    void cmd_delete(const Command& cmd, std::string& out);
    void cmd_rename(const Command& cmd, std::string& out);
    void cmd_subscribe(const Command& cmd, bool on, std::string& out);
    void cmd_list(const Command& cmd, std::string& out);
    void cmd_lsub(const Command& cmd, std::string& out);
    void cmd_status(const Command& cmd, std::string& out);
    void append_status(std::string& out, const std::string& name,
                       const std::vector<StatusItem>& items);
    void cmd_namespace(const Command& cmd, std::string& out);
    void cmd_quota(const Command& cmd, std::string& out);
    Step cmd_append(const Command& cmd, std::string& out);
    uint64_t quota_limit() const;
    // True when adding `bytes` keeps the user within the quota.
    bool quota_allows(uint64_t bytes);

    // session_select.cpp: the selected mailbox and its view.
    void cmd_select(const Command& cmd, std::string& out);
    void close_selected(bool expunge);
    // Reports what changed in the selected folder since the view was taken. Expunges are
    // reported only when `expunges` (never during FETCH, STORE, SEARCH, RFC 9051 §7.5.1).
    void sync_view(std::string& out, bool expunges);
    // The same without syncing the folder first. Flag changes of the UIDs in `own` (made by
    // this command, which reports them itself) are not reported.
    void refresh_view(std::string& out, bool expunges, const std::vector<uint32_t>* own = nullptr);
    void append_flags_fetch(std::string& out, uint32_t seq, bool with_uid);
    // Reads the dates the view does not know yet (Folder::fill_dates) into a copy of it,
    // for commands that show or compare INTERNALDATE or SAVEDATE. The messages and their
    // numbers stay as they are.
    void ensure_dates();
    // Message numbers (0-based view indices) named by a sequence or UID set. For sequence
    // sets, false when a number is beyond the mailbox (answered BAD).
    bool resolve(const SeqSet& set, bool uid, std::vector<size_t>& idx) const;

    // session_messages.cpp: message commands.
    Step cmd_fetch(const Command& cmd, std::string& out);
    Step continue_fetch(std::string& out);
    void cmd_store(const Command& cmd, std::string& out);
    void cmd_search(const Command& cmd, std::string& out);
    void cmd_sort(const Command& cmd, std::string& out);
    void cmd_thread(const Command& cmd, std::string& out);
    void cmd_copy(const Command& cmd, bool move, std::string& out);
    void cmd_expunge(const Command& cmd, std::string& out);
    // Runs a search program over the view; message numbers (1-based) that match.
    std::optional<std::vector<uint32_t>> run_program(SearchKey key, const std::string& charset,
                                                     std::string& error_code);
    // Teaches the Bayes filter the messages `uids` of the selected folder when they move
    // into Junk (spam) or out of it (ham).
    void train_junk_move(const std::string& to, const std::vector<uint32_t>& uids);
    // Moves the \Deleted messages among `uids` to Trash when move_deleted_to_trash is on.
    void trash_deleted(const std::vector<uint32_t>* uids);

    SessionEnv env_;
    std::string user_;    // whose mailboxes are open; "" before login
    std::string master_;  // master user who logged in for user_, or ""
    bool slot_taken_ = false;
    int auth_failures_ = 0;
    std::string last_login_;
    bool condstore_ = false, qresync_ = false, rev2_ = false;
    bool id_logged_ = false;  // the first ID of a connection is logged, later ones are not
    std::shared_ptr<mailbox::Store> store_;
    std::unique_ptr<Selected> sel_;
    std::unique_ptr<PendingFetch> pending_;
    std::vector<uint32_t> saved_uids_;  // SEARCHRES "$" (RFC 5182)

    // AUTHENTICATE in progress.
    struct SaslState {
        std::string tag;
        std::string mechanism;
        int step = 0;
        std::string user;
    };
    std::optional<SaslState> sasl_;
    std::string idle_tag_;
};

}  // namespace magpie::imap
