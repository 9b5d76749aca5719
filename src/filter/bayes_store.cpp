// Bayes token database on SQLite. Token hashes are stored as the signed 64-bit INTEGER
// PRIMARY KEY (the table's rowid), the cheapest lookup SQLite has; rows whose counts both
// drop to zero are deleted.
#include "filter/bayes_store.h"

#include <filesystem>

#include "store/db.h"

namespace magpie::filter {
namespace {

constexpr int kSchemaVersion = 1;
constexpr int64_t kMmapBytes = 1LL << 30;  // address space, not memory
constexpr int64_t kCacheKiB = 16 * 1024;   // page cache per connection

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS bayes_tokens (h INTEGER PRIMARY KEY, spam INTEGER NOT NULL,
                                         ham INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bayes_messages (digest TEXT PRIMARY KEY, spam INTEGER NOT NULL,
                                           learned_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bayes_totals (id INTEGER PRIMARY KEY CHECK (id = 1),
                                         spam INTEGER NOT NULL, ham INTEGER NOT NULL);
INSERT OR IGNORE INTO bayes_totals VALUES (1, 0, 0);
)";

int64_t as_key(uint64_t h) {
    return static_cast<int64_t>(h);
}

BayesTotals read_totals(store::Db& db) {
    auto st = db.prepare("SELECT spam, ham FROM bayes_totals WHERE id = 1");
    BayesTotals t;
    if (st.step()) t = {st.int64(0), st.int64(1)};
    return t;
}

// Adds `delta` (+1 or -1) to one label of every token; counts stay >= 0.
void add_tokens(store::Db& db, const std::vector<uint64_t>& hashes, bool spam, int delta) {
    if (delta > 0) {
        auto st = db.prepare(spam ? "INSERT INTO bayes_tokens VALUES (?1, 1, 0) "
                                    "ON CONFLICT(h) DO UPDATE SET spam = spam + 1"
                                  : "INSERT INTO bayes_tokens VALUES (?1, 0, 1) "
                                    "ON CONFLICT(h) DO UPDATE SET ham = ham + 1");
        for (uint64_t h : hashes) st.bind(1, as_key(h)).run();
        return;
    }
    auto dec = db.prepare(spam ? "UPDATE bayes_tokens SET spam = max(spam - 1, 0) WHERE h = ?1"
                               : "UPDATE bayes_tokens SET ham = max(ham - 1, 0) WHERE h = ?1");
    auto drop = db.prepare("DELETE FROM bayes_tokens WHERE h = ?1 AND spam = 0 AND ham = 0");
    for (uint64_t h : hashes) {
        dec.bind(1, as_key(h)).run();
        drop.bind(1, as_key(h)).run();
    }
}

void add_total(store::Db& db, bool spam, int delta) {
    auto st = db.prepare(spam ? "UPDATE bayes_totals SET spam = max(spam + ?1, 0) WHERE id = 1"
                              : "UPDATE bayes_totals SET ham = max(ham + ?1, 0) WHERE id = 1");
    st.bind(1, int64_t{delta}).run();
}

std::optional<bool> label_of(store::Db& db, std::string_view digest) {
    auto st = db.prepare("SELECT spam FROM bayes_messages WHERE digest = ?1");
    st.bind(1, digest);
    if (!st.step()) return std::nullopt;
    return st.int64(0) != 0;
}

LearnOutcome learn_one(store::Db& db, const BayesStore::Message& m) {
    auto prev = label_of(db, m.digest);
    if (prev && *prev == m.spam) return LearnOutcome::AlreadyKnown;
    if (prev) {
        add_tokens(db, m.hashes, !m.spam, -1);
        add_total(db, !m.spam, -1);
    }
    add_tokens(db, m.hashes, m.spam, +1);
    add_total(db, m.spam, +1);
    db.prepare(
          "INSERT INTO bayes_messages VALUES (?1, ?2, unixepoch()) "
          "ON CONFLICT(digest) DO UPDATE SET spam = excluded.spam, learned_at = unixepoch()")
        .bind_all(m.digest, int64_t{m.spam})
        .run();
    return prev ? LearnOutcome::Moved : LearnOutcome::Learned;
}

// Reads go through the OS page cache by mmap instead of a read() per page.
std::unique_ptr<store::Db> open_connection(const std::string& path) {
    auto db = std::make_unique<store::Db>(path);
    db->exec("PRAGMA mmap_size = " + std::to_string(kMmapBytes) +
             "; PRAGMA cache_size = " + std::to_string(-kCacheKiB));
    return db;
}

}  // namespace

BayesStore::BayesStore(std::string path) : path_(std::move(path)) {
    auto dir = std::filesystem::path(path_).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
    writer_ = open_connection(path_);
    store::Transaction tx(*writer_);
    writer_->exec(kSchema);
    if (writer_->query_int("PRAGMA user_version") < kSchemaVersion)
        writer_->exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
    tx.commit();
}

BayesStore::~BayesStore() = default;

std::unique_ptr<store::Db> BayesStore::take_reader() {
    {
        std::lock_guard lock(pool_mu_);
        if (!readers_.empty()) {
            auto db = std::move(readers_.back());
            readers_.pop_back();
            return db;
        }
    }
    return open_connection(path_);
}

void BayesStore::give_back(std::unique_ptr<store::Db> db) {
    std::lock_guard lock(pool_mu_);
    readers_.push_back(std::move(db));
}

BayesTotals BayesStore::totals() {
    auto db = take_reader();
    BayesTotals t = read_totals(*db);
    give_back(std::move(db));
    return t;
}

std::vector<TokenCounts> BayesStore::lookup(const std::vector<uint64_t>& hashes,
                                            BayesTotals& totals) {
    auto db = take_reader();
    std::vector<TokenCounts> out(hashes.size());
    {
        store::Transaction tx(*db, store::Transaction::Mode::Read);
        totals = read_totals(*db);
        auto st = db->prepare("SELECT spam, ham FROM bayes_tokens WHERE h = ?1");
        for (size_t i = 0; i < hashes.size(); ++i) {
            st.bind(1, as_key(hashes[i]));
            if (st.step()) out[i] = {st.int64(0), st.int64(1)};
            st.reset();
        }
        tx.commit();
    }
    give_back(std::move(db));
    return out;
}

std::optional<bool> BayesStore::learned_as(std::string_view digest) {
    auto db = take_reader();
    auto r = label_of(*db, digest);
    give_back(std::move(db));
    return r;
}

LearnOutcome BayesStore::learn(std::string_view digest, const std::vector<uint64_t>& hashes,
                               bool spam) {
    return learn({Message{std::string(digest), hashes, spam}}).front();
}

std::vector<LearnOutcome> BayesStore::learn(const std::vector<Message>& messages) {
    std::lock_guard lock(write_mu_);
    std::vector<LearnOutcome> out;
    store::Transaction tx(*writer_);
    for (const auto& m : messages) out.push_back(learn_one(*writer_, m));
    tx.commit();
    return out;
}

bool BayesStore::forget(std::string_view digest, const std::vector<uint64_t>& hashes) {
    std::lock_guard lock(write_mu_);
    store::Transaction tx(*writer_);
    auto prev = label_of(*writer_, digest);
    if (!prev) return false;
    add_tokens(*writer_, hashes, *prev, -1);
    add_total(*writer_, *prev, -1);
    writer_->prepare("DELETE FROM bayes_messages WHERE digest = ?1").bind(1, digest).run();
    tx.commit();
    return true;
}

int64_t BayesStore::token_count() {
    auto db = take_reader();
    int64_t n = db->query_int("SELECT count(*) FROM bayes_tokens");
    give_back(std::move(db));
    return n;
}

}  // namespace magpie::filter
