// Unit tests for the Bayes statistics and classifier: chi-square combining, activation at
// 200 spam + 200 ham, probabilities on a small synthetic corpus, and the rule table.
#include "filter/bayes_classifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "bayes_test_util.h"
#include "filter/bayes_math.h"
#include "filter/bayes_rules.h"
#include "store/settings.h"

using namespace magpie;
using namespace magpie::filter;
using bayes_test::synthetic;
using bayes_test::TempDir;

TEST(BayesMath, ChiSquareAndCombining) {
    EXPECT_DOUBLE_EQ(chi2_q(0, 2), 1.0);
    EXPECT_NEAR(chi2_q(2, 2), std::exp(-1.0), 1e-12);
    EXPECT_NEAR(chi2_q(4, 4), 3 * std::exp(-2.0), 1e-12);
    EXPECT_LT(chi2_q(1000, 10), 1e-100);
    EXPECT_DOUBLE_EQ(combine({}), 0.5);
    EXPECT_GT(combine(std::vector<double>(20, 0.99)), 0.99);
    EXPECT_LT(combine(std::vector<double>(20, 0.01)), 0.01);
    std::vector<double> p = {0.9, 0.2, 0.95, 0.3, 0.7};
    std::vector<double> q;
    for (double x : p) q.push_back(1 - x);
    EXPECT_NEAR(combine(p) + combine(q), 1.0, 1e-9);
    // Hundreds of extreme clues neither underflow nor leave [0, 1].
    EXPECT_NEAR(combine(std::vector<double>(500, 1e-9)), 0.0, 1e-9);
    EXPECT_NEAR(combine(std::vector<double>(500, 1 - 1e-9)), 1.0, 1e-9);
}

TEST(BayesMath, TokenProbabilityAndClues) {
    BayesMath m;
    BayesTotals t{100, 100};
    EXPECT_DOUBLE_EQ(token_probability({0, 0}, t, m), 0.5);
    EXPECT_GT(token_probability({50, 0}, t, m), 0.99);
    EXPECT_LT(token_probability({0, 50}, t, m), 0.01);
    // One sighting is pulled towards the prior more than fifty are.
    EXPECT_LT(token_probability({1, 0}, t, m), token_probability({50, 0}, t, m));
    // Counts are scaled by the totals: 10 of 1000 ham vs 10 of 100 spam is spammy.
    EXPECT_GT(token_probability({10, 10}, {100, 1000}, m), 0.85);
    m.max_clues = 2;
    auto clues = select_clues({{10, 10}, {50, 0}, {0, 50}, {30, 1}, {0, 0}}, t, m);
    ASSERT_EQ(clues.size(), 2u);
    for (double c : clues) EXPECT_GT(std::abs(c - 0.5), 0.45);
}

TEST(BayesClassifier, InactiveUntil200SpamAnd200Ham) {
    TempDir dir;
    Bayes b(bayes_path(dir.path));
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(b.learn(synthetic(false, i), false).learned);
    for (int i = 0; i < 199; ++i) ASSERT_TRUE(b.learn(synthetic(true, i), true).learned);
    EXPECT_FALSE(b.progress().active);
    EXPECT_EQ(b.classify(synthetic(true, 1000)), std::nullopt);
    b.learn(synthetic(true, 199), true);
    auto p = b.progress();
    EXPECT_TRUE(p.active);
    EXPECT_EQ(p.spam_learned, 200);
    EXPECT_EQ(p.ham_learned, 200);
    EXPECT_EQ(p.min_spam, 200);
    auto spam = b.classify(synthetic(true, 1000, 9));
    auto ham = b.classify(synthetic(false, 1000, 9));
    ASSERT_TRUE(spam && ham);
    EXPECT_GT(*spam, 0.9);
    EXPECT_LT(*ham, 0.1);
}

TEST(BayesClassifier, SmallCorpusProbabilities) {
    TempDir dir;
    BayesOptions opt;
    opt.min_spam = opt.min_ham = 20;
    Bayes b(bayes_path(dir.path), opt);
    EXPECT_EQ(b.options().min_spam, 20);
    for (int i = 0; i < 20; ++i) {
        b.learn(synthetic(true, i), true);
        b.learn(synthetic(false, i), false);
    }
    for (int i = 100; i < 110; ++i) {
        EXPECT_GT(*b.classify(synthetic(true, i, 3)), 0.9) << i;
        EXPECT_LT(*b.classify(synthetic(false, i, 3)), 0.1) << i;
    }
    // Nothing the classifier has seen: no clues, exactly undecided.
    auto unknown = b.classify(std::string_view("Subject: zqx\r\n\r\nquux blorp frobnicate\r\n"));
    ASSERT_TRUE(unknown);
    EXPECT_NEAR(*unknown, 0.5, 0.05);
}

TEST(BayesRules, ScoresGrowWithConfidenceUpToTheCaps) {
    const BayesWeights& w = bayes_weights();
    EXPECT_EQ(bayes_hit(std::nullopt), std::nullopt);
    EXPECT_EQ(bayes_hit(0.5), std::nullopt);
    EXPECT_EQ(bayes_hit(0.7)->name, "BAYES_SPAM");
    EXPECT_EQ(bayes_hit(0.7)->score, 1.47);   // 4 * log10(0.7 / 0.3)
    EXPECT_EQ(bayes_hit(0.3), std::nullopt);  // ham starts at 0.24
    auto sure = bayes_hit(1.0);
    ASSERT_TRUE(sure);
    EXPECT_EQ(sure->name, "BAYES_SPAM");
    EXPECT_EQ(sure->score, w.spam_max);
    EXPECT_EQ(sure->detail, "100.0000%");
    // A sure verdict flags alone (spam_flag_threshold 6) but never rejects alone (15).
    store::Settings s;
    EXPECT_GE(w.spam_max, s.spam_flag_threshold);
    EXPECT_LT(w.spam_max, s.spam_reject_threshold / 2);
    // Monotonic in the probability, on both sides.
    double last = 0;
    EXPECT_LT(bayes_hit(0.96)->score, s.spam_flag_threshold);
    EXPECT_GE(bayes_hit(0.97)->score, s.spam_flag_threshold);
    for (double p : {0.95, 0.99, 0.999, 0.9999, 0.99999}) {
        auto h = bayes_hit(p);
        ASSERT_TRUE(h) << p;
        EXPECT_GE(h->score, last) << p;
        last = h->score;
    }
    last = 0;
    for (double p : {0.05, 0.01, 0.001, 0.0001}) {
        auto h = bayes_hit(p);
        ASSERT_TRUE(h) << p;
        EXPECT_EQ(h->name, "BAYES_HAM");
        EXPECT_LE(h->score, last) << p;
        last = h->score;
    }
    EXPECT_EQ(bayes_hit(0.0)->score, -w.ham_max);
    Verdict v;
    add_bayes_hit(v, 0.99);
    add_bayes_hit(v, std::nullopt);
    EXPECT_EQ(v.hits.size(), 1u);
    EXPECT_EQ(v.hits[0].detail, "99.0000%");
    EXPECT_FALSE(v.bayes_probability);  // the last call: inactive
    EXPECT_EQ(v.explain(), ", bayes=inactive");
}

TEST(BayesClassifier, ClassifiesWhileAnotherThreadLearns) {
    TempDir dir;
    BayesOptions opt;
    opt.min_spam = opt.min_ham = 5;
    Bayes b(bayes_path(dir.path), opt);
    for (int i = 0; i < 5; ++i) {
        b.learn(synthetic(true, i), true);
        b.learn(synthetic(false, i), false);
    }
    std::atomic<bool> done = false;
    std::atomic<int> classified = 0;
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t)
        readers.emplace_back([&, t] {
            while (!done) {
                auto p = b.classify(synthetic(t % 2 == 0, 500 + t, 4));
                ASSERT_TRUE(p);
                ++classified;
            }
        });
    for (int i = 5; i < 60; ++i) b.learn(synthetic(i % 2 == 0, i), i % 2 == 0);
    done = true;
    for (auto& r : readers) r.join();
    EXPECT_GT(classified.load(), 0);
    EXPECT_EQ(b.progress().spam_learned + b.progress().ham_learned, 65);
}
