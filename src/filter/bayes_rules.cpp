// Probability bands of the Bayes rules. Scores grow with certainty, on the scale of
// Rspamd's default Bayes weights (spam up to +5, ham down to -3), so a near-certain
// Bayes result is strong but still needs another rule to reach a reject threshold.
#include "filter/bayes_rules.h"

#include <fmt/format.h>

namespace magpie::filter {

const std::vector<BayesBand>& bayes_bands() {
    static const std::vector<BayesBand> bands = {
        {0.00, 0.01, "BAYES_HAM", -3.0},
        {0.01, 0.05, "BAYES_HAM", -2.0},
        {0.05, 0.20, "BAYES_HAM", -1.0},
        {0.20, 0.40, "BAYES_HAM", -0.5},
        {0.40, 0.60, "", 0.0},
        {0.60, 0.80, "BAYES_SPAM", 1.0},
        {0.80, 0.95, "BAYES_SPAM", 2.0},
        {0.95, 0.99, "BAYES_SPAM", 3.0},
        {0.99, 0.999, "BAYES_SPAM", 4.0},
        {0.999, 1.0, "BAYES_SPAM", 5.0},
    };
    return bands;
}

std::optional<RuleHit> bayes_hit(std::optional<double> probability) {
    if (!probability) return std::nullopt;
    double p = *probability;
    for (const auto& b : bayes_bands()) {
        bool inside = p >= b.from && (p < b.to || (b.to == 1.0 && p <= 1.0));
        if (!inside) continue;
        if (*b.rule == '\0') return std::nullopt;
        return RuleHit{b.rule, b.score, fmt::format("{:.2f}%", p * 100)};
    }
    return std::nullopt;
}

void add_bayes_hit(Verdict& v, std::optional<double> probability) {
    if (auto hit = bayes_hit(probability)) v.add(hit->name, hit->score, hit->detail);
}

}  // namespace magpie::filter
