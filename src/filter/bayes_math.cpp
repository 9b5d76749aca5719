// Bayes statistics: token probabilities, clue selection and chi-square combining. Sums of
// logarithms are used throughout, so hundreds of clues near 0 or 1 do not underflow.
#include "filter/bayes_math.h"

#include <algorithm>
#include <cmath>

namespace magpie::filter {

double token_probability(const TokenCounts& c, const BayesTotals& t, const BayesMath& m) {
    double n = static_cast<double>(c.spam + c.ham);
    if (n == 0 || t.spam == 0 || t.ham == 0) return m.prior;
    double b = static_cast<double>(c.spam) / static_cast<double>(t.spam);
    double g = static_cast<double>(c.ham) / static_cast<double>(t.ham);
    double p = b / (b + g);
    return (m.strength * m.prior + n * p) / (m.strength + n);
}

double chi2_q(double x2, int v) {
    double half = x2 / 2.0;
    double term = std::exp(-half);
    double sum = term;
    for (int i = 1; i < v / 2; ++i) {
        term *= half / i;
        sum += term;
    }
    return std::min(sum, 1.0);
}

double chi2_ln_q(double x2, int v) {
    // ln of exp(-x2/2) * sum_{i < v/2} (x2/2)^i / i!, the terms added in log space.
    double half = x2 / 2.0;
    if (half <= 0) return 0.0;
    double ln_half = std::log(half);
    double ln_term = 0, ln_max = 0;
    std::vector<double> terms{0.0};
    for (int i = 1; i < v / 2; ++i) {
        ln_term += ln_half - std::log(static_cast<double>(i));
        terms.push_back(ln_term);
        ln_max = std::max(ln_max, ln_term);
    }
    double sum = 0;
    for (double t : terms) sum += std::exp(t - ln_max);
    return std::min(0.0, -half + ln_max + std::log(sum));
}

double combine(const std::vector<double>& probs) {
    if (probs.empty()) return 0.5;
    double sum_ln_f = 0, sum_ln_not_f = 0;
    for (double f : probs) {
        f = std::clamp(f, 1e-6, 1 - 1e-6);
        sum_ln_f += std::log(f);
        sum_ln_not_f += std::log(1.0 - f);
    }
    int v = 2 * static_cast<int>(probs.size());
    // Q_s is small when the clues are unlikely under "not spam", Q_h when unlikely under
    // "not ham". Robinson's (1 + S - H) / 2 with S = 1 - Q_s, H = 1 - Q_h is 0.5 whenever
    // both are near 0: strong evidence both ways, as in long newsletters. Here the two
    // tails are compared as a ratio, Q_h / (Q_s + Q_h), in log space: the same as
    // Robinson's where one side is weak, and still a verdict where both are strong.
    double ln_qs = chi2_ln_q(-2.0 * sum_ln_not_f, v);
    double ln_qh = chi2_ln_q(-2.0 * sum_ln_f, v);
    return 1.0 / (1.0 + std::exp(std::clamp(ln_qs - ln_qh, -700.0, 700.0)));
}

std::vector<double> select_clues(const std::vector<TokenCounts>& counts, const BayesTotals& t,
                                 const BayesMath& m) {
    std::vector<double> clues;
    for (const auto& c : counts) {
        if (c.spam + c.ham == 0) continue;
        double f = token_probability(c, t, m);
        if (std::abs(f - 0.5) >= m.min_deviation) clues.push_back(f);
    }
    if (clues.size() > m.max_clues) {
        auto extreme = [](double a, double b) { return std::abs(a - 0.5) > std::abs(b - 0.5); };
        std::nth_element(clues.begin(), clues.begin() + static_cast<long>(m.max_clues), clues.end(),
                         extreme);
        clues.resize(m.max_clues);
    }
    return clues;
}

}  // namespace magpie::filter
