// Unit tests for Bayes training from IMAP moves: the spamtrainers rule and which moves
// teach spam or ham.
#include "filter/bayes_training.h"

#include <gtest/gtest.h>

#include "bayes_test_util.h"

using namespace magpie;
using namespace magpie::filter;
using bayes_test::synthetic;
using bayes_test::TempDir;

TEST(BayesTraining, EveryoneTrainsWithoutTheGroup) {
    store::Snapshot snap;
    EXPECT_TRUE(may_train(snap, "alice"));
    snap.groups["sales"] = {"sales", {"bob"}};
    EXPECT_TRUE(may_train(snap, "alice"));
}

TEST(BayesTraining, OnlyMembersTrainWhenTheGroupExists) {
    store::Snapshot snap;
    snap.groups["spamtrainers"] = {"spamtrainers", {"alice", "carol"}};
    EXPECT_TRUE(may_train(snap, "alice"));
    EXPECT_TRUE(may_train(snap, "Carol"));
    EXPECT_FALSE(may_train(snap, "bob"));
    snap.groups["spamtrainers"].members.clear();
    EXPECT_FALSE(may_train(snap, "alice"));  // an empty group: nobody trains
}

TEST(BayesTraining, WhichMovesTeach) {
    EXPECT_EQ(junk_move_label("INBOX", "Junk"), true);
    EXPECT_EQ(junk_move_label("Archive/2024", "junk"), true);
    EXPECT_EQ(junk_move_label("Junk", "INBOX"), false);
    EXPECT_EQ(junk_move_label("Junk", "Work"), false);
    EXPECT_EQ(junk_move_label("Junk", "Trash"), std::nullopt);
    EXPECT_EQ(junk_move_label("Junk", "Junk"), std::nullopt);
    EXPECT_EQ(junk_move_label("INBOX", "Trash"), std::nullopt);
}

TEST(BayesTraining, TrainFromMoveAppliesTheRule) {
    TempDir dir;
    Bayes b(bayes_path(dir.path));
    store::Snapshot snap;
    snap.groups["spamtrainers"] = {"spamtrainers", {"alice"}};
    std::string m = synthetic(true, 1);
    EXPECT_EQ(train_from_move(b, snap, "bob", m, true), std::nullopt);
    EXPECT_EQ(b.progress().spam_learned, 0);
    auto r = train_from_move(b, snap, "alice", m, true);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->learned);
    r = train_from_move(b, snap, "alice", m, false);  // moved back out of Junk
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->moved);
    auto p = b.progress();
    EXPECT_EQ(p.spam_learned, 0);
    EXPECT_EQ(p.ham_learned, 1);
}
