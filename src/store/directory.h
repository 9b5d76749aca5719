// The mail directory: domains, users, groups, public mailboxes and addresses, as stored in
// the settings DB, and an immutable in-memory Snapshot of it (with the Settings) that the
// servers read on the hot path. Recipient checks and expansion live in router.h.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/relay_rules.h"
#include "store/settings.h"

namespace magpie::store {

struct Domain {
    std::string name;                      // lower case, e.g. "example.org"
    bool user_addresses = true;            // user@domain reaches user
    bool group_addresses = false;          // group@domain reaches the group's members
    std::vector<std::string> catch_all{};  // destinations for unknown recipients; empty means off
    std::string hidden_copy{};  // address that gets a copy of all inbound mail of the domain
    // Relay domain: "host[:port]" of the next hop; mail to any local part goes there and
    // nothing is delivered locally. Empty means a local domain. See store/relay_rules.h.
    std::string relay_host{};
};

struct User {
    std::string name;                     // lower case login name, also the mailbox name
    std::string password_hash{};          // crypt(3) string ("$y$...")
    bool disabled = false;                // no mail access: no auth, no delivery (550 5.2.1)
    std::vector<std::string> forwards{};  // external or local addresses
    bool keep_copy = true;                // with forwards: also deliver to the own mailbox
    // Storage quota in bytes: unset means quota_default applies, 0 means unlimited.
    std::optional<int64_t> quota{};
    // Days Junk messages are kept: unset means spam_retention_days applies, 0 means forever.
    std::optional<int64_t> spam_retention_days{};
};

struct Group {
    std::string name;
    std::vector<std::string> members{};  // user names
};

struct PublicMailbox {
    std::string name;  // shared Maildir under data_dir/public/NAME
};

struct Address {
    std::string address;  // "local@domain" (domain-specific) or "local" (wildcard, every domain)
    std::vector<std::string> destinations{};  // user, group, "public:NAME", or an email address
    bool internal = false;                    // only from authenticated users or trusted networks
};

struct Snapshot {
    Settings settings;
    std::unordered_map<std::string, Domain> domains;  // keyed by lower-case name
    std::unordered_map<std::string, User> users;
    std::unordered_map<std::string, Group> groups;
    std::unordered_map<std::string, PublicMailbox> public_mailboxes;
    std::unordered_map<std::string, Address> addresses;  // keyed by lower-case address
    std::vector<RelayRule> relay_rules;                  // ordered by id
    uint64_t generation = 0;
};

class Db;
// Reads the whole directory and the settings in one read transaction.
std::shared_ptr<Snapshot> load_snapshot(Db& db);

// Loads Snapshots from the DB and reloads when another process (the CLI) or the service
// layer changed it. Thread-safe; get() is cheap.
class SnapshotCache {
  public:
    // Opens (creating and migrating when needed) the DB and loads the first Snapshot.
    explicit SnapshotCache(std::string db_path);
    ~SnapshotCache();
    std::shared_ptr<const Snapshot> get() const;
    // Reloads if the DB changed since the last load; returns true when it did. Cheap when
    // nothing changed (one PRAGMA data_version), so servers may poll it every second.
    bool refresh();
    void force_reload();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace magpie::store
