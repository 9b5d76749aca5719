// Unit tests for the Bayes token database and message digests: persistence across reopen,
// learning a message once, moving it to the other label, forgetting it.
#include "filter/bayes_store.h"

#include <gtest/gtest.h>

#include "bayes_test_util.h"
#include "filter/bayes_classifier.h"
#include "filter/bayes_digest.h"

using namespace magpie;
using namespace magpie::filter;
using bayes_test::synthetic;
using bayes_test::TempDir;

TEST(BayesStore, CountsPersistAcrossReopen) {
    TempDir dir;
    std::string path = dir.path + "/filter/bayes.db";
    {
        BayesStore s(path);
        EXPECT_EQ(s.learn("d1", {1, 2, 3}, true), LearnOutcome::Learned);
        EXPECT_EQ(s.learn("d2", {2, 3, 4}, false), LearnOutcome::Learned);
        EXPECT_EQ(s.learn("d3", {3}, false), LearnOutcome::Learned);
    }
    BayesStore s(path);
    BayesTotals t;
    auto c = s.lookup({1, 2, 3, 4, 5, ~uint64_t{0}}, t);
    EXPECT_EQ(t.spam, 1);
    EXPECT_EQ(t.ham, 2);
    ASSERT_EQ(c.size(), 6u);
    EXPECT_EQ(c[0].spam, 1);
    EXPECT_EQ(c[0].ham, 0);
    EXPECT_EQ(c[2].spam, 1);
    EXPECT_EQ(c[2].ham, 2);
    EXPECT_EQ(c[3].ham, 1);
    EXPECT_EQ(c[4].spam + c[4].ham, 0);
    EXPECT_EQ(c[5].spam + c[5].ham, 0);
    EXPECT_EQ(s.learned_as("d1"), true);
    EXPECT_EQ(s.learned_as("d2"), false);
    EXPECT_EQ(s.learned_as("nope"), std::nullopt);
    EXPECT_EQ(s.token_count(), 4);
}

TEST(BayesStore, SameLabelTwiceIsANoOpOtherLabelMoves) {
    TempDir dir;
    BayesStore s(dir.path + "/b.db");
    EXPECT_EQ(s.learn("d", {7, 8}, false), LearnOutcome::Learned);
    EXPECT_EQ(s.learn("d", {7, 8}, false), LearnOutcome::AlreadyKnown);
    EXPECT_EQ(s.totals().ham, 1);
    EXPECT_EQ(s.learn("d", {7, 8}, true), LearnOutcome::Moved);
    BayesTotals t;
    auto c = s.lookup({7, 8}, t);
    EXPECT_EQ(t.spam, 1);
    EXPECT_EQ(t.ham, 0);
    EXPECT_EQ(c[0].spam, 1);
    EXPECT_EQ(c[0].ham, 0);
    EXPECT_TRUE(s.forget("d", {7, 8}));
    EXPECT_FALSE(s.forget("d", {7, 8}));
    EXPECT_EQ(s.totals().spam, 0);
    EXPECT_EQ(s.token_count(), 0);  // rows at zero are dropped
}

TEST(BayesDigest, CopiesOfOneMessageShareTheDigest) {
    std::string crlf = synthetic(true, 1);
    std::string lf;
    for (char c : crlf)
        if (c != '\r') lf += c;
    std::string delivered =
        "Return-Path: <x@y>\r\nDelivered-To: alice@example.com\r\n"
        "Received: from a by b; Mon, 1 Jan 2024\r\nX-Spam-Status: Yes\r\n" +
        crlf;
    auto d = message_digest(mime::parse_message(crlf));
    EXPECT_EQ(d.size(), 64u);
    EXPECT_EQ(message_digest(mime::parse_message(lf)), d);
    EXPECT_EQ(message_digest(mime::parse_message(delivered)), d);
    EXPECT_NE(message_digest(mime::parse_message(synthetic(true, 2))), d);
}

TEST(BayesLearn, DigestDedupeAndMoveThroughTheClassifier) {
    TempDir dir;
    Bayes b(bayes_path(dir.path));
    std::string m = synthetic(false, 5);
    auto r = b.learn(m, false);
    EXPECT_TRUE(r.learned);
    EXPECT_FALSE(r.moved);
    r = b.learn("Delivered-To: bob@example.com\r\n" + m, false);  // another user's copy
    EXPECT_TRUE(r.already_known);
    EXPECT_FALSE(r.learned);
    r = b.learn(m, true);
    EXPECT_TRUE(r.learned);
    EXPECT_TRUE(r.moved);
    auto p = b.progress();
    EXPECT_EQ(p.spam_learned, 1);
    EXPECT_EQ(p.ham_learned, 0);
    EXPECT_FALSE(p.active);
    EXPECT_TRUE(b.forget(m));
    EXPECT_EQ(b.progress().spam_learned, 0);
}
