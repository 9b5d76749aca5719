// The Bayes token database of the system (one for all users): spam/ham counts per token
// hash, the numbers of spam and ham messages learned, and the digests of the learned
// messages. SQLite in WAL mode (data_dir/filter/bayes.db): classification on every message
// reads through a pool of connections without blocking each other or the writer; learning
// is one IMMEDIATE transaction per message, so a crash leaves either all of a message's
// counts or none.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::store {
class Db;
}

namespace magpie::filter {

struct TokenCounts {
    int64_t spam = 0;  // learned spam messages that contained the token
    int64_t ham = 0;
};

struct BayesTotals {
    int64_t spam = 0;  // spam messages learned
    int64_t ham = 0;
};

enum class LearnOutcome {
    Learned,       // new message, counted
    Moved,         // known with the other label: its counts moved to this one
    AlreadyKnown,  // known with this label: nothing changed
};

class BayesStore {
  public:
    // Opens (creating the file, its folder and the schema when needed) the database.
    // Throws store::DbError or std::system_error.
    explicit BayesStore(std::string path);
    ~BayesStore();
    BayesStore(const BayesStore&) = delete;
    BayesStore& operator=(const BayesStore&) = delete;

    const std::string& path() const { return path_; }

    BayesTotals totals();
    // The counts of each hash (in the same order) and the totals, from one consistent read.
    std::vector<TokenCounts> lookup(const std::vector<uint64_t>& hashes, BayesTotals& totals);
    // The label the message was learned with, if any.
    std::optional<bool> learned_as(std::string_view digest);
    // Counts the message's tokens under its label; see LearnOutcome. Moving subtracts the
    // tokens from the other label (not below zero) before adding them.
    LearnOutcome learn(std::string_view digest, const std::vector<uint64_t>& hashes, bool spam);

    struct Message {
        std::string digest;
        std::vector<uint64_t> hashes;
        bool spam = false;
    };
    // learn() for many messages in one transaction: much cheaper per message, since token
    // pages shared by the messages are written once.
    std::vector<LearnOutcome> learn(const std::vector<Message>& messages);
    // Removes a learned message's counts; false when it was not learned.
    bool forget(std::string_view digest, const std::vector<uint64_t>& hashes);
    int64_t token_count();

  private:
    std::string path_;
    std::mutex write_mu_;
    std::unique_ptr<store::Db> writer_;
    std::mutex pool_mu_;
    std::vector<std::unique_ptr<store::Db>> readers_;  // idle read connections

    std::unique_ptr<store::Db> take_reader();
    void give_back(std::unique_ptr<store::Db> db);
};

}  // namespace magpie::filter
