// Bayes autolearn: the decision (pure) and the bounded learner.
#include "filter/bayes_autolearn.h"

#include <algorithm>

namespace magpie::filter {

namespace {

bool is_bayes(const RuleHit& h) {
    return h.name == "BAYES_SPAM" || h.name == "BAYES_HAM";
}

}  // namespace

std::optional<bool> autolearn_label(const Verdict& v, const store::Settings& s,
                                    const BayesProgress& progress) {
    if (!s.bayes_autolearn || !v.spam_scored || v.gtube || v.bypassed) return std::nullopt;
    double without_bayes = 0;
    for (const auto& h : v.hits)
        if (!is_bayes(h)) without_bayes += h.score;
    std::optional<double> p = v.bayes_probability;
    std::optional<bool> label;
    // Spam on the other rules' word alone, so Bayes never teaches itself spam.
    if (without_bayes >= s.bayes_autolearn_spam && !(p && *p >= kAutolearnSureSpam)) label = true;
    // Ham needs Bayes's agreement (our few rules rarely fire on spam, so a low score without
    // Bayes says little) and a low total.
    bool bayes_says_ham = std::any_of(v.hits.begin(), v.hits.end(),
                                      [](const RuleHit& h) { return h.name == "BAYES_HAM"; });
    if (!label && bayes_says_ham && p && *p > kAutolearnSureHam && v.score <= s.bayes_autolearn_ham)
        label = false;
    if (!label) return std::nullopt;
    // Balance: a class may not outgrow the other more than kAutolearnMaxRatio times.
    int64_t mine = *label ? progress.spam_learned : progress.ham_learned;
    int64_t other = *label ? progress.ham_learned : progress.spam_learned;
    int64_t floor = *label ? progress.min_ham : progress.min_spam;
    if (mine + 1 > kAutolearnMaxRatio * std::max(other, floor)) return std::nullopt;
    return label;
}

std::optional<bool> Autolearner::consider(std::string_view raw, const Verdict& v,
                                          const store::Settings& s, bool authenticated,
                                          int64_t now) {
    if (authenticated) return std::nullopt;  // only mail from outside teaches
    auto label = autolearn_label(v, s, bayes_.progress());
    if (!label) return std::nullopt;
    {
        std::lock_guard lock(mu_);
        if (now - window_start_ >= 3600) {
            window_start_ = now;
            learned_in_window_ = 0;
        }
        if (learned_in_window_ >= kAutolearnPerHour) return std::nullopt;
        ++learned_in_window_;
    }
    if (!bayes_.learn(raw, *label).learned) return std::nullopt;
    return label;
}

}  // namespace magpie::filter
