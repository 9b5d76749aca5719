// Loading the directory Snapshot from the settings DB, and the SnapshotCache that notices
// changes made by other connections (the CLI, the service layer) and reloads.
#include "store/directory.h"

#include "core/strings.h"
#include "store/db.h"
#include "store/schema.h"

namespace magpie::store {

std::shared_ptr<Snapshot> load_snapshot(Db& db) {
    auto s = std::make_shared<Snapshot>();
    Transaction tx(db, Transaction::Mode::Read);
    s->generation = read_generation(db);

    std::map<std::string, std::string> settings;
    for (auto st = db.prepare("SELECT key, value FROM settings"); st.step();)
        settings[st.text(0)] = st.text(1);
    s->settings = Settings::from_map(settings);

    for (auto st = db.prepare(
             "SELECT name, user_addresses, group_addresses, catch_all, hidden_copy, relay_host "
             "FROM domains");
         st.step();) {
        Domain d{st.text(0), st.int64(1) != 0, st.int64(2) != 0, split_list(st.text(3)),
                 st.text(4), st.text(5)};
        s->domains.emplace(d.name, std::move(d));
    }
    for (auto st = db.prepare("SELECT name, password_hash, disabled, forwards, keep_copy, quota, "
                              "spam_retention_days FROM users");
         st.step();) {
        User u{st.text(0), st.text(1), st.int64(2) != 0, split_list(st.text(3)), st.int64(4) != 0};
        if (!st.is_null(5)) u.quota = st.int64(5);
        if (!st.is_null(6)) u.spam_retention_days = st.int64(6);
        s->users.emplace(u.name, std::move(u));
    }
    for (auto st = db.prepare("SELECT name FROM mail_groups"); st.step();)
        s->groups.emplace(st.text(0), Group{st.text(0), {}});
    for (auto st = db.prepare(
             "SELECT group_name, user_name FROM group_members ORDER BY group_name, user_name");
         st.step();) {
        auto it = s->groups.find(st.text(0));
        if (it != s->groups.end()) it->second.members.push_back(st.text(1));
    }
    for (auto st = db.prepare("SELECT name FROM public_mailboxes"); st.step();)
        s->public_mailboxes.emplace(st.text(0), PublicMailbox{st.text(0)});
    for (auto st = db.prepare("SELECT address, internal FROM addresses"); st.step();)
        s->addresses.emplace(st.text(0), Address{st.text(0), {}, st.int64(1) != 0});
    for (auto st = db.prepare(
             "SELECT address, destination FROM address_destinations ORDER BY address, position");
         st.step();) {
        auto it = s->addresses.find(st.text(0));
        if (it != s->addresses.end()) it->second.destinations.push_back(st.text(1));
    }
    for (auto st = db.prepare(
             "SELECT id, type, pattern, host, port, username, password, tls_required, enabled "
             "FROM relay_rules ORDER BY id");
         st.step();) {
        auto type = parse_relay_type(st.text(1));
        if (!type) continue;
        s->relay_rules.push_back(RelayRule{st.int64(0), *type, st.text(2), st.text(3),
                                           static_cast<int>(st.int64(4)), st.text(5), st.text(6),
                                           st.int64(7) != 0, st.int64(8) != 0});
    }
    tx.commit();
    return s;
}

struct SnapshotCache::Impl {
    std::string path;
    std::mutex db_mu;  // guards db and data_version
    std::unique_ptr<Db> db;
    int64_t data_version = -1;
    mutable std::mutex snap_mu;  // guards snap
    std::shared_ptr<const Snapshot> snap;

    void store(std::shared_ptr<const Snapshot> s) {
        std::lock_guard lock(snap_mu);
        snap = std::move(s);
    }
};

SnapshotCache::SnapshotCache(std::string db_path) : impl_(std::make_unique<Impl>()) {
    impl_->path = std::move(db_path);
    impl_->db = std::make_unique<Db>(impl_->path);
    ensure_schema(*impl_->db);
    force_reload();
}

SnapshotCache::~SnapshotCache() = default;

std::shared_ptr<const Snapshot> SnapshotCache::get() const {
    std::lock_guard lock(impl_->snap_mu);
    return impl_->snap;
}

bool SnapshotCache::refresh() {
    std::lock_guard lock(impl_->db_mu);
    int64_t dv = impl_->db->data_version();
    if (dv == impl_->data_version) return false;
    impl_->data_version = dv;
    auto current = get();
    if (current && read_generation(*impl_->db) == current->generation) return false;
    impl_->store(load_snapshot(*impl_->db));
    return true;
}

void SnapshotCache::force_reload() {
    std::lock_guard lock(impl_->db_mu);
    impl_->data_version = impl_->db->data_version();
    impl_->store(load_snapshot(*impl_->db));
}

}  // namespace magpie::store
