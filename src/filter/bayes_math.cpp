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

double combine(const std::vector<double>& probs) {
    if (probs.empty()) return 0.5;
    double sum_ln_f = 0, sum_ln_not_f = 0;
    for (double f : probs) {
        f = std::clamp(f, 1e-6, 1 - 1e-6);
        sum_ln_f += std::log(f);
        sum_ln_not_f += std::log(1.0 - f);
    }
    int v = 2 * static_cast<int>(probs.size());
    double s = 1.0 - chi2_q(-2.0 * sum_ln_not_f, v);
    double h = 1.0 - chi2_q(-2.0 * sum_ln_f, v);
    return (1.0 + s - h) / 2.0;
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
