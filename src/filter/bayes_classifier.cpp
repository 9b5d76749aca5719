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
    mime::Message msg = mime::parse_message(raw);
    std::string digest = message_digest(msg);
    // A known message with the same label needs no tokenizing.
    if (store_.learned_as(digest) == spam) return {.already_known = true};
    switch (store_.learn(digest, token_hashes(msg, opt_.tokenizer), spam)) {
        case LearnOutcome::Learned:
            return {.learned = true};
        case LearnOutcome::Moved:
            return {.learned = true, .moved = true};
        case LearnOutcome::AlreadyKnown:
            break;
    }
    return {.already_known = true};
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
