// Bayes rule scores by confidence. Chi-square combining gives probabilities that crowd
// against 0 and 1, so the log-odds spread them out where it matters: 0.99, 0.999 and 0.9999
// are one decade apart each. The caps keep Bayes from rejecting on its own (spam_max is
// far below spam_reject_threshold) while a sure verdict reaches the flag threshold.
#include "filter/bayes_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace magpie::filter {

const BayesWeights& bayes_weights() {
    static const BayesWeights w;
    return w;
}

std::optional<RuleHit> bayes_hit(std::optional<double> probability, const BayesWeights& w) {
    if (!probability) return std::nullopt;
    double p = std::clamp(*probability, 1e-15, 1 - 1e-15);
    double confidence = std::log10(p / (1 - p));
    std::string detail = fmt::format("{:.4f}%", *probability * 100);
    if (confidence > w.spam_from) {
        double score = std::min(w.spam_max, w.spam_per_decade * (confidence - w.spam_from));
        return RuleHit{"BAYES_SPAM", std::round(score * 100) / 100, detail};
    }
    if (-confidence > w.ham_from) {
        double score = std::min(w.ham_max, w.ham_per_decade * (-confidence - w.ham_from));
        return RuleHit{"BAYES_HAM", -std::round(score * 100) / 100, detail};
    }
    return std::nullopt;
}

void add_bayes_hit(Verdict& v, std::optional<double> probability) {
    v.bayes_ran = true;
    v.bayes_probability = probability;
    if (auto hit = bayes_hit(probability)) v.add(hit->name, hit->score, hit->detail);
}

}  // namespace magpie::filter
