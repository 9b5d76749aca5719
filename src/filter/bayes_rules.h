// The Bayes result as filter rule hits: BAYES_SPAM or BAYES_HAM with a score that grows
// with the classifier's confidence (docs/bayes.md), the probability in the detail.
#pragma once
#include <optional>

#include "filter/verdict.h"

namespace magpie::filter {

// The weighting: the confidence is the log-odds of the spam probability in decades,
// log10(p / (1 - p)) (2 at p = 0.99, 3 at p = 0.999, negative for ham). Past the start
// the score grows linearly with it up to a cap. Fitted on the accuracy test's fold 0
// (bench/RESULTS.md): BAYES_SPAM reaches the flag threshold (6) at p = 0.97 and its cap at
// p = 0.983; BAYES_HAM starts at p = 0.24 and reaches -4 at p = 0.00003.
struct BayesWeights {
    double spam_from = 0.0;  // confidence where BAYES_SPAM starts (p = 0.5)
    double spam_per_decade = 4.0;
    double spam_max = 7.0;  // above spam_flag_threshold (6): sure Bayes flags alone
    double ham_from = 0.5;  // |confidence| where BAYES_HAM starts (p = 0.24)
    double ham_per_decade = 1.0;
    double ham_max = 4.0;
};

const BayesWeights& bayes_weights();

// The hit for a spam probability, or nullopt when inactive or inside the dead zone.
std::optional<RuleHit> bayes_hit(std::optional<double> probability,
                                 const BayesWeights& w = bayes_weights());

// Adds bayes_hit() to the verdict, if any, and records the probability in it.
void add_bayes_hit(Verdict& v, std::optional<double> probability);

}  // namespace magpie::filter
