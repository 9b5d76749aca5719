// Bayes autolearn: which verdicts teach which label, and the limits (already sure, class
// balance, the hourly cap, authenticated mail, GTUBE).
#include "filter/bayes_autolearn.h"

#include <gtest/gtest.h>

#include "bayes_test_util.h"

using namespace magpie;
using namespace magpie::filter;
using bayes_test::synthetic;
using bayes_test::TempDir;

namespace {

Verdict verdict(double rules, std::optional<double> p, double bayes_score = 0) {
    Verdict v;
    v.spam_scored = true;
    if (rules != 0) v.add("PHISHING", rules);
    v.bayes_probability = p;
    if (bayes_score != 0) v.add(bayes_score > 0 ? "BAYES_SPAM" : "BAYES_HAM", bayes_score);
    return v;
}

BayesProgress balanced() {
    return {1000, 1000, 200, 200, true};
}

}  // namespace

TEST(BayesAutolearn, SpamOnTheOtherRulesAloneHamWithBayesAgreeing) {
    store::Settings s;  // autolearn on, spam at 12 without Bayes, ham at <= 0 in all
    EXPECT_EQ(autolearn_label(verdict(12, 0.6), s, balanced()), std::optional<bool>(true));
    EXPECT_EQ(autolearn_label(verdict(12, std::nullopt), s, balanced()), std::optional<bool>(true));
    // Bayes's own points never make spam learned.
    EXPECT_EQ(autolearn_label(verdict(6, 0.9999, 7), s, balanced()), std::nullopt);
    EXPECT_EQ(autolearn_label(verdict(0, 0.02, -1.5), s, balanced()), std::optional<bool>(false));
    EXPECT_EQ(autolearn_label(verdict(2, 0.02, -1.5), s, balanced()), std::nullopt);  // 0.5 > 0
    EXPECT_EQ(autolearn_label(verdict(0, 0.3), s, balanced()), std::nullopt);  // no BAYES_HAM
    EXPECT_EQ(autolearn_label(verdict(0, 0.7), s, balanced()), std::nullopt);  // Bayes not ham
    EXPECT_EQ(autolearn_label(verdict(0, std::nullopt), s, balanced()), std::nullopt);
    // Already sure of the same class: nothing to learn.
    EXPECT_EQ(autolearn_label(verdict(20, 0.99999), s, balanced()), std::nullopt);
    EXPECT_EQ(autolearn_label(verdict(0, 0.00001, -4), s, balanced()), std::nullopt);
    // Balance: spam may not pass four times the ham learned.
    EXPECT_EQ(autolearn_label(verdict(12, 0.6), s, {800, 200, 200, 200, true}), std::nullopt);
    EXPECT_EQ(autolearn_label(verdict(12, 0.6), s, {799, 200, 200, 200, true}),
              std::optional<bool>(true));
    EXPECT_EQ(autolearn_label(verdict(0, 0.02, -1.5), s, {200, 800, 200, 200, true}), std::nullopt);
    // Off, GTUBE, or no score computed.
    s.bayes_autolearn = false;
    EXPECT_EQ(autolearn_label(verdict(12, 0.6), s, balanced()), std::nullopt);
    s = {};
    Verdict g = verdict(1000, std::nullopt);
    g.gtube = true;
    EXPECT_EQ(autolearn_label(g, s, balanced()), std::nullopt);
    Verdict unscored = verdict(12, 0.6);
    unscored.spam_scored = false;
    EXPECT_EQ(autolearn_label(unscored, s, balanced()), std::nullopt);
}

TEST(BayesAutolearn, LearnsWithinTheHourlyCapAndNeverFromAuthenticatedClients) {
    TempDir dir;
    Bayes bayes(bayes_path(dir.path));
    Autolearner learner(bayes);
    store::Settings s;
    Verdict v = verdict(15, std::nullopt);
    int64_t now = 1000000;
    EXPECT_EQ(learner.consider(synthetic(true, 0), v, s, true, now), std::nullopt);
    int learned = 0;
    for (int i = 0; i < kAutolearnPerHour + 5; ++i)
        learned += learner.consider(synthetic(true, i), v, s, false, now).has_value();
    EXPECT_EQ(learned, kAutolearnPerHour);
    EXPECT_EQ(bayes.progress().spam_learned, kAutolearnPerHour);
    // A new hour, a new allowance.
    EXPECT_EQ(learner.consider(synthetic(true, 9999), v, s, false, now + 3600),
              std::optional<bool>(true));
}
