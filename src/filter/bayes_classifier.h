// The Bayesian spam classifier of the system: learns messages (by digest, once each; the
// other label moves them) into the per-system token database and gives the spam
// probability of a message once it has learned enough of both kinds. Thread-safe: many
// threads may classify while one learns.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/bayes_math.h"
#include "filter/bayes_store.h"
#include "filter/bayes_tokenizer.h"
#include "mime/parser.h"

namespace magpie::filter {

struct BayesOptions {
    // Inactive (classify() gives nullopt) until this many of each kind were learned.
    int64_t min_spam = 200;
    int64_t min_ham = 200;
    TokenizerOptions tokenizer;
    BayesMath math;
};

struct LearnResult {
    bool learned = false;        // counted now (new, or moved from the other label)
    bool moved = false;          // it had been learned with the other label
    bool already_known = false;  // learned before with this label; nothing changed
};

struct BayesProgress {
    int64_t spam_learned = 0;
    int64_t ham_learned = 0;
    int64_t min_spam = 0;  // the activation thresholds, for "120/200" displays
    int64_t min_ham = 0;
    bool active = false;
};

class Bayes {
  public:
    // Opens the database at `db_path` (see bayes_path()). Throws store::DbError.
    explicit Bayes(std::string db_path, BayesOptions opt = {});

    // Spam probability in [0, 1]; nullopt while inactive.
    std::optional<double> classify(const mime::Message& msg);
    std::optional<double> classify(std::string_view raw);  // parses first

    LearnResult learn(std::string_view raw, bool spam);
    // Many messages of one label in one transaction (for bulk training), results in order.
    std::vector<LearnResult> learn(const std::vector<std::string_view>& raws, bool spam);
    // Removes a learned message; false when it was not learned.
    bool forget(std::string_view raw);
    BayesProgress progress();

    const BayesOptions& options() const { return opt_; }
    BayesStore& store() { return store_; }

  private:
    BayesOptions opt_;
    BayesStore store_;
};

// data_dir/filter/bayes.db
std::string bayes_path(const std::string& data_dir);

}  // namespace magpie::filter
