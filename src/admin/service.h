// The admin service layer: the only writer of the settings DB. The CLI calls it now, the
// HTTP API and web UI later. Every operation validates its input, runs in one transaction,
// bumps the directory generation (so running servers reload within a second) and returns a
// structured Result; nothing here prints. Thread-safe (one mutex around the connection).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/result.h"
#include "dkim/signer.h"
#include "store/directory.h"
#include "store/settings.h"

namespace magpie::store {
class Db;
}

namespace magpie::admin {

// Fields left empty keep their current value (or the default when adding).
struct DomainOptions {
    std::optional<bool> user_addresses{};
    std::optional<bool> group_addresses{};
    std::optional<std::vector<std::string>> catch_all{};  // destinations; empty list turns it off
    std::optional<std::string> hidden_copy{};             // address; empty turns it off
    std::optional<std::string> relay_host{};  // "host[:port]": a relay domain; empty: local
};

// A relay rule as shown to admins: the password never leaves the service.
struct RelayRuleInfo {
    int64_t id = 0;
    store::RelayRule::Type type = store::RelayRule::Type::Default;
    std::string pattern;
    std::string host;
    int port = 25;
    std::string username;
    bool has_password = false;
    bool tls_required = false;
    bool enabled = true;
};

// Fields left empty keep their current value on edit (or the default when adding; `type`
// and `host` are required then).
struct RelayRuleOptions {
    std::optional<store::RelayRule::Type> type{};
    std::optional<std::string> pattern{};   // "user@domain" or "domain"; none for default
    std::optional<std::string> host{};      // name or IP literal, optionally "[...]"
    std::optional<int> port{};              // 1-65535
    std::optional<std::string> username{};  // empty clears the credentials
    std::optional<std::string> password{};
    std::optional<bool> tls_required{};
    std::optional<bool> enabled{};
};

// One message in the queue, as `queue list` shows it (queue/queue_admin.h).
struct QueueItemInfo {
    std::string id;
    int64_t arrival = 0;  // unix seconds
    int64_t size = 0;
    std::string sender;                   // empty for the null sender
    std::vector<std::string> recipients;  // still pending
    std::string reason;                   // last deferral text, or ""
    int attempts = 0;
    int64_t next_attempt = 0;  // unix seconds; 0 when not deferred
    // Its next attempt (never attempted: its arrival) is more than kOverdueSeconds past.
    bool overdue = false;
};
inline constexpr int64_t kOverdueSeconds = 300;

struct UserOptions {
    std::optional<bool> disabled{};
    std::optional<std::vector<std::string>> forwards{};  // email addresses; empty list clears
    std::optional<bool> keep_copy{};
    // Storage quota: the outer optional says whether to change it; the inner value is bytes
    // (0 = unlimited), or nullopt to follow quota_default.
    std::optional<std::optional<int64_t>> quota{};
    // Junk retention in days, the same way: 0 keeps forever, nullopt follows
    // spam_retention_days.
    std::optional<std::optional<int64_t>> spam_retention_days{};
};

// A user as shown to admins: the password hash never leaves the service.
struct UserInfo {
    std::string name;
    bool disabled = false;
    bool has_password = false;
    std::vector<std::string> forwards;
    bool keep_copy = true;
    std::optional<int64_t> quota{};  // bytes, 0 = unlimited; nullopt: quota_default applies
    std::optional<int64_t> spam_retention_days{};  // 0 = forever; nullopt: the setting applies
};

struct SettingInfo {
    std::string key;
    std::string value;  // canonical
    bool is_default = true;
    store::SettingType type = store::SettingType::String;
    std::string default_value;
    std::string help;
};

// A domain's DKIM key as shown to admins: what to publish in DNS.
struct DkimInfo {
    std::string domain;
    std::string selector;    // always "default"
    std::string algorithm;   // "rsa" or "ed25519" (the k= value)
    bool enabled = true;     // outbound mail from the domain is signed
    std::string dns_name;    // "default._domainkey.DOMAIN"
    std::string txt_record;  // "v=DKIM1; k=rsa; p=MIIB..."
    std::string zone_line;   // the same as a BIND zone-file line
    std::string key_path;    // data_dir/dkim/DOMAIN/default.key
};

// What `spam learn` did with a list of files and Maildir folders.
struct SpamLearnSummary {
    int64_t messages = 0;       // message files read
    int64_t learned = 0;        // counted now (moved ones included)
    int64_t moved = 0;          // had been learned with the other label
    int64_t already_known = 0;  // learned before with this label
    std::vector<std::string> failed;  // "PATH: reason" for what could not be read
};

// The Bayes classifier's training progress (filter/bayes_classifier.h).
struct SpamProgress {
    int64_t spam_learned = 0;
    int64_t ham_learned = 0;
    int64_t min_spam = 0;  // needed before it classifies
    int64_t min_ham = 0;
    bool active = false;
    // Training progress towards activation, 0-100: the share of the needed spam and ham
    // learned so far (each kind capped at its threshold).
    int percent = 0;
};

// An account of the admin HTTP API (docs/api.md): separate from mail users. Roles:
// "admin" (everything), "mailadm" (mail objects and the queue), "readonly" (every read).
struct AdminInfo {
    std::string name;
    std::string role;
    int64_t created = 0;  // unix seconds
};

// A login session of the HTTP API, found by its bearer token.
struct ApiSession {
    std::string subject;  // admin name, or mail user name
    std::string kind;     // "admin" or "user" (self-service)
    std::string role;     // the admin's role; "user" for mail users
    int64_t expires = 0;  // unix seconds
};

// One line of the audit trail: who did what, when, from where, and how it ended.
struct AuditEntry {
    int64_t id = 0;
    int64_t time = 0;  // unix seconds
    std::string actor;  // "" when nobody was logged in
    std::string role;
    std::string ip;
    std::string method;
    std::string path;
    int status = 0;      // the HTTP status answered
    std::string detail;  // the request body with secrets masked
};

struct AuditPage {
    std::vector<AuditEntry> items;  // newest first
    int64_t total = 0;
};

class Service {
  public:
    // Opens (creating and migrating when needed) the settings DB. Throws store::DbError.
    explicit Service(const std::string& db_path);
    ~Service();

    Result<std::vector<store::Domain>> list_domains();
    Result<store::Domain> get_domain(std::string_view name);
    Status add_domain(std::string_view name, const DomainOptions& opts = {});
    Status set_domain(std::string_view name, const DomainOptions& opts);
    // Also removes the domain-specific addresses of the domain.
    Status remove_domain(std::string_view name);

    Result<std::vector<UserInfo>> list_users();
    Result<UserInfo> get_user(std::string_view name);
    // Without a password the user exists but cannot log in. Creates no maildir.
    Status add_user(std::string_view name, std::optional<std::string_view> password = {},
                    const UserOptions& opts = {});
    // nullopt removes the password (no login).
    Status set_password(std::string_view name, std::optional<std::string_view> password);
    Status set_user(std::string_view name, const UserOptions& opts);
    // Also drops the user from groups, address destinations and catch-all lists.
    Status remove_user(std::string_view name);

    Result<std::vector<store::Group>> list_groups();
    Result<store::Group> get_group(std::string_view name);
    Status add_group(std::string_view name, const std::vector<std::string>& members = {});
    Status set_group_members(std::string_view name, const std::vector<std::string>& members);
    Status remove_group(std::string_view name);

    Result<std::vector<store::PublicMailbox>> list_public();
    Status add_public(std::string_view name);
    Status remove_public(std::string_view name);

    // `address` is "local@domain" (the domain must exist) or a bare "local" (every domain).
    Result<std::vector<store::Address>> list_addresses();
    Result<store::Address> get_address(std::string_view address);
    Status add_address(std::string_view address, const std::vector<std::string>& destinations,
                       bool internal = false);
    Status set_address(std::string_view address,
                       const std::optional<std::vector<std::string>>& destinations,
                       std::optional<bool> internal);
    Status remove_address(std::string_view address);

    Result<std::vector<SettingInfo>> list_settings();
    Result<SettingInfo> get_setting(std::string_view key);
    Status set_setting(std::string_view key, std::string_view value);
    Status reset_setting(std::string_view key);  // back to the default

    // DKIM keys live under data_dir/dkim (dkim/key_store.h); data_dir is the folder of the
    // DB. A domain without a key gets one (RSA 2048) on first use.
    Result<DkimInfo> dkim_show(std::string_view domain);
    Status dkim_set_enabled(std::string_view domain, bool on);
    // Replaces the key; nullopt keeps the current key type.
    Result<DkimInfo> dkim_rotate(std::string_view domain,
                                 std::optional<dkim::KeyType> type = std::nullopt);
    // The key to sign the domain's mail with; nullopt when signing is off for it.
    Result<std::optional<dkim::SigningKey>> dkim_signing_key(std::string_view domain);

    // Relay rules (store/relay_rules.h). Saving a rule also gives every other rule of the
    // same type with the same host:port its credentials and TLS setting. At most one
    // default rule exists.
    Result<std::vector<RelayRuleInfo>> relay_list();
    Result<RelayRuleInfo> relay_get(int64_t id);
    Result<int64_t> relay_add(const RelayRuleOptions& opts);  // the new rule's id
    Status relay_edit(int64_t id, const RelayRuleOptions& opts);
    Status relay_set_enabled(int64_t id, bool on);
    Status relay_remove(int64_t id);

    // The queue under data_dir/queue (data_dir is the folder of the DB), read and changed
    // while the server runs (queue/queue_admin.h).
    Result<std::vector<QueueItemInfo>> queue_list();
    Result<std::string> queue_show(std::string_view id);  // envelope summary + message
    Status queue_delete(std::string_view id);
    Result<int> queue_delete_all();  // how many were deleted
    // Asks the running server to retry now; "" means every queued message.
    Status queue_resend(std::string_view id);

    // The system's Bayes spam classifier under data_dir/filter (service_spam.cpp). Paths
    // are message files or Maildir folders (their cur/ and new/); a message already learned
    // with the other label moves to this one.
    Result<SpamLearnSummary> spam_learn(const std::vector<std::string>& paths, bool spam);
    Result<SpamLearnSummary> spam_learn_message(std::string_view raw, bool spam);
    Result<SpamProgress> spam_progress();
    // Asks the running server to expire old Junk messages now (spam_retention_days and
    // each user's own retention) instead of at its next hourly run.
    Status spam_expire();

    // Admin accounts of the HTTP API (service_admins.cpp). Passwords are hashed like mail
    // users' (auth/password.h); removing an admin or changing its password or role ends its
    // sessions.
    Result<std::vector<AdminInfo>> list_admins();
    Result<AdminInfo> get_admin(std::string_view name);
    Status add_admin(std::string_view name, std::string_view password, std::string_view role);
    Status set_admin_password(std::string_view name, std::string_view password);
    Status set_admin_role(std::string_view name, std::string_view role);
    Status remove_admin(std::string_view name);
    // The account when name and password fit; Errc::Invalid otherwise (no hint which).
    Result<AdminInfo> check_admin_login(std::string_view name, std::string_view password);
    // A mail user's self-service login: the canonical user name when the user exists, is
    // enabled and the password fits; Errc::Invalid otherwise.
    Result<std::string> check_user_login(std::string_view name, std::string_view password);

    // HTTP API sessions (service_sessions.cpp). These do not change the directory, so they
    // do not bump the generation. `now` is unix seconds.
    // A new session; returns its bearer token (only its SHA-256 is stored).
    Result<std::string> session_open(const ApiSession& s, std::string_view ip, int64_t now);
    // Errc::NotFound when the token is unknown, revoked or expired at `now`.
    Result<ApiSession> session_find(std::string_view token, int64_t now);
    Status session_close(std::string_view token);
    Status audit_add(const AuditEntry& e);
    // Newest first; `actor` non-empty keeps only that actor's lines.
    Result<AuditPage> audit_list(int64_t offset, int64_t limit, std::string_view actor = {});

    uint64_t generation();

    struct Impl;  // service_impl.h, for the service's own source files

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace magpie::admin
