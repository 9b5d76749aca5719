// Schema migrations for the settings DB. Each step moves user_version up by one and runs in
// one transaction, so an interrupted upgrade leaves the previous version intact.
#include "store/schema.h"

#include <string>

namespace magpie::store {

// migrations[i] brings a database from version i to version i+1.
static const char* const kMigrations[] = {
    R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta (key, value) VALUES ('generation', 0);
CREATE TABLE domains (
    name TEXT PRIMARY KEY,
    user_addresses INTEGER NOT NULL DEFAULT 1,
    group_addresses INTEGER NOT NULL DEFAULT 0,
    catch_all TEXT NOT NULL DEFAULT '',
    hidden_copy TEXT NOT NULL DEFAULT ''
);
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL DEFAULT '',
    disabled INTEGER NOT NULL DEFAULT 0,
    forwards TEXT NOT NULL DEFAULT '',
    keep_copy INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE mail_groups (name TEXT PRIMARY KEY);
CREATE TABLE group_members (
    group_name TEXT NOT NULL REFERENCES mail_groups(name) ON DELETE CASCADE,
    user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    PRIMARY KEY (group_name, user_name)
);
CREATE TABLE public_mailboxes (name TEXT PRIMARY KEY);
CREATE TABLE addresses (
    address TEXT PRIMARY KEY,
    internal INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE address_destinations (
    address TEXT NOT NULL REFERENCES addresses(address) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    destination TEXT NOT NULL,
    PRIMARY KEY (address, destination)
);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql",
    // 1 -> 2: relay domains and relay rules (issue 5, sending mail out).
    R"sql(
ALTER TABLE domains ADD COLUMN relay_host TEXT NOT NULL DEFAULT '';
CREATE TABLE relay_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL CHECK (type IN ('recipient', 'sender', 'default')),
    pattern TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL,
    port INTEGER NOT NULL DEFAULT 25,
    username TEXT NOT NULL DEFAULT '',
    password TEXT NOT NULL DEFAULT '',
    tls_required INTEGER NOT NULL DEFAULT 0,
    enabled INTEGER NOT NULL DEFAULT 1,
    UNIQUE (type, pattern)
);
)sql",
    // 2 -> 3: per-user storage quota in bytes; NULL means quota_default applies, 0 unlimited.
    R"sql(
ALTER TABLE users ADD COLUMN quota INTEGER;
)sql",
    // 3 -> 4: per-user Junk retention in days; NULL means spam_retention_days applies, 0 keeps.
    R"sql(
ALTER TABLE users ADD COLUMN spam_retention_days INTEGER;
)sql",
    // 4 -> 5: the admin HTTP API (issue 17): admin accounts, login sessions (only the
    // SHA-256 of each bearer token is kept) and the audit trail of state-changing calls.
    // IF NOT EXISTS: a file rolled back to an older version by hand keeps these tables.
    R"sql(
CREATE TABLE IF NOT EXISTS admins (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'mailadm', 'readonly')),
    created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_sessions (
    token_hash TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('admin', 'user')),
    role TEXT NOT NULL,
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    ip TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time INTEGER NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    ip TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
)sql",
};

static constexpr int kMigrationCount = sizeof kMigrations / sizeof kMigrations[0];
static_assert(kMigrationCount == kSchemaVersion);

void ensure_schema(Db& db) {
    for (;;) {
        Transaction tx(db);
        int version = static_cast<int>(db.query_int("PRAGMA user_version"));
        if (version > kSchemaVersion)
            throw DbError(0, "settings DB schema version " + std::to_string(version) +
                                 " is newer than this program (" + std::to_string(kSchemaVersion) +
                                 ")");
        if (version == kSchemaVersion) return;
        db.exec(kMigrations[version]);
        db.exec("PRAGMA user_version = " + std::to_string(version + 1));
        tx.commit();
    }
}

void bump_generation(Db& db) {
    db.exec("UPDATE meta SET value = value + 1 WHERE key = 'generation'");
}

uint64_t read_generation(Db& db) {
    return static_cast<uint64_t>(db.query_int("SELECT value FROM meta WHERE key = 'generation'"));
}

}  // namespace magpie::store
