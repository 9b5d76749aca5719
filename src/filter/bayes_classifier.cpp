// Bayes classifier: tokenizer + token database + Robinson/Fisher statistics.
#include "filter/bayes_classifier.h"

#include "filter/bayes_digest.h"

namespace magpie::filter {

std::string bayes_path(const std::string& data_dir) {
    return data_dir + "/filter/bayes.db";
}

Bayes::Bayes(std::string db_path, BayesOptions opt) : opt_(opt), store_(std::move(db_path)) {}

std::optional<double> Bayes::classify(const mime::Message& msg) {
    BayesTotals t = store_.totals();
    if (t.spam < opt_.min_spam || t.ham < opt_.min_ham) return std::nullopt;
    auto hashes = token_hashes(msg, opt_.tokenizer);
    auto counts = store_.lookup(hashes, t);
    return combine(select_clues(counts, t, opt_.math));
}

std::optional<double> Bayes::classify(std::string_view raw) {
    return classify(mime::parse_message(raw));
}

LearnResult Bayes::learn(std::string_view raw, bool spam) {
    return learn(std::vector<std::string_view>{raw}, spam).front();
}

std::vector<LearnResult> Bayes::learn(const std::vector<std::string_view>& raws, bool spam) {
    std::vector<LearnResult> out(raws.size(), LearnResult{.already_known = true});
    std::vector<BayesStore::Message> todo;
    std::vector<size_t> index;
    for (size_t i = 0; i < raws.size(); ++i) {
        mime::Message msg = mime::parse_message(raws[i]);
        std::string digest = message_digest(msg);
        // A known message with the same label needs no tokenizing.
        if (store_.learned_as(digest) == spam) continue;
        todo.push_back({std::move(digest), token_hashes(msg, opt_.tokenizer), spam});
        index.push_back(i);
    }
    if (todo.empty()) return out;
    auto outcomes = store_.learn(todo);
    for (size_t k = 0; k < outcomes.size(); ++k) {
        LearnResult& r = out[index[k]];
        r.already_known = outcomes[k] == LearnOutcome::AlreadyKnown;
        r.learned = !r.already_known;
        r.moved = outcomes[k] == LearnOutcome::Moved;
    }
    return out;
}

bool Bayes::forget(std::string_view raw) {
    mime::Message msg = mime::parse_message(raw);
    std::string digest = message_digest(msg);
    if (!store_.learned_as(digest)) return false;
    return store_.forget(digest, token_hashes(msg, opt_.tokenizer));
}

BayesProgress Bayes::progress() {
    BayesTotals t = store_.totals();
    return {t.spam, t.ham, opt_.min_spam, opt_.min_ham,
            t.spam >= opt_.min_spam && t.ham >= opt_.min_ham};
}

}  // namespace magpie::filter
