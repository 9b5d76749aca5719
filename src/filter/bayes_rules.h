// The Bayes result as filter rule hits: BAYES_SPAM or BAYES_HAM with a score taken from a
// fixed table of probability bands (docs/bayes.md), the probability in the detail.
#pragma once
#include <optional>
#include <vector>

#include "filter/verdict.h"

namespace magpie::filter {

struct BayesBand {
    double from;  // lower bound of the spam probability (inclusive)
    double to;    // upper bound (exclusive; 1.0 inclusive)
    const char* rule;
    double score;
};

// The bands in order of probability; the middle one (no rule) adds nothing.
const std::vector<BayesBand>& bayes_bands();

// The hit for a spam probability, or nullopt when inactive or in the neutral band.
std::optional<RuleHit> bayes_hit(std::optional<double> probability);

// Adds bayes_hit() to the verdict, if any.
void add_bayes_hit(Verdict& v, std::optional<double> probability);

}  // namespace magpie::filter
