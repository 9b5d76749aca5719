// The statistics of the Bayes classifier, after Gary Robinson's "A Statistical Approach to
// the Spam Problem" (2003): a smoothed spam probability per token, and Fisher's method
// (inverse chi-square) to combine the token probabilities into one for the message.
#pragma once
#include <cstdint>
#include <vector>

#include "filter/bayes_store.h"

namespace magpie::filter {

struct BayesMath {
    double strength = 0.45;      // Robinson's s: weight of the prior for rare tokens
    double prior = 0.5;          // Robinson's x: probability assumed for an unseen token
    double min_deviation = 0.1;  // tokens with |f - 0.5| below this are not clues
    size_t max_clues = 150;      // the most extreme tokens used per message
};

// Robinson's f(w) = (s*x + n*p(w)) / (s + n), where p(w) is the token's spam ratio with the
// counts scaled by the totals (b/(b+g), b = spam/nspam, g = ham/nham) and n its count.
double token_probability(const TokenCounts& c, const BayesTotals& t, const BayesMath& m);

// Chi-square survival function Q(x2, v) for even v (Robinson's series).
double chi2_q(double x2, int v);

// ln Q(x2, v), without underflow for large x2.
double chi2_ln_q(double x2, int v);

// Fisher/Robinson combination of the clue probabilities, with Q_s = Q(-2 sum ln(1-f), 2n)
// and Q_h = Q(-2 sum ln f, 2n): Q_h / (Q_s + Q_h), which is Robinson's (1 + S - H) / 2
// (S = 1 - Q_s, H = 1 - Q_h) where one side's evidence is weak, but still decides where
// both are strong (Robinson's gives 0.5 there). 0.5 with no clues.
double combine(const std::vector<double>& probs);

// The clues of a message: the token probabilities at least min_deviation from 0.5, the
// max_clues most extreme of them.
std::vector<double> select_clues(const std::vector<TokenCounts>& counts, const BayesTotals& t,
                                 const BayesMath& m);

}  // namespace magpie::filter
