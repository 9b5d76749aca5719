// SORT and THREAD execution and RFC 5256 §2.1 base subjects: every sort key, REVERSE and
// ties, ORDEREDSUBJECT, and the REFERENCES steps (dummies, pruning, subject grouping,
// sibling order), including the RFC's example thread "(2)(3 6 (4 23)(44 7 96))".
#include <gtest/gtest.h>

#include "imap/session/base_subject.h"
#include "imap/session/sort.h"
#include "imap_test_messages.h"

using namespace magpie;
using namespace magpie::imap;
using Seqs = std::vector<uint32_t>;

namespace {

TEST(BaseSubject, RemovesReplyAndForwardMarkers) {
    EXPECT_EQ(base_subject("Re: foo"), "foo");
    EXPECT_EQ(base_subject("RE: FW: foo"), "foo");
    EXPECT_EQ(base_subject("Fwd:Fwd: foo"), "foo");
    EXPECT_EQ(base_subject("re : foo"), "foo");
    EXPECT_EQ(base_subject("Re[2]: foo"), "foo");
    EXPECT_EQ(base_subject("Re: Re: Re: foo"), "foo");
    EXPECT_EQ(base_subject("Refund: foo"), "Refund: foo");
    EXPECT_EQ(base_subject("fwd foo"), "fwd foo");
    EXPECT_EQ(base_subject("Re:"), "");
}

TEST(BaseSubject, TrailersWhitespaceAndBlobs) {
    EXPECT_EQ(base_subject("foo (fwd)"), "foo");
    EXPECT_EQ(base_subject("foo (FWD) (fwd)  "), "foo");
    EXPECT_EQ(base_subject("  foo \t bar\r\n baz  "), "foo bar baz");
    EXPECT_EQ(base_subject("[PATCH] foo"), "foo");
    EXPECT_EQ(base_subject("[list] Re: foo"), "foo");
    EXPECT_EQ(base_subject("[a][b] foo"), "foo");
    EXPECT_EQ(base_subject("[PATCH]"), "[PATCH]");  // removing it would leave nothing
    EXPECT_EQ(base_subject("[a] [b]"), "[b]");
    EXPECT_EQ(base_subject("Re: (fwd)"), "");
    EXPECT_EQ(base_subject("[a [b] c"), "[a [b] c");  // a blob has no "[" inside
}

TEST(BaseSubject, ForwardWrappers) {
    EXPECT_EQ(base_subject("[Fwd: foo]"), "foo");
    EXPECT_EQ(base_subject("Re: [fwd: Re: foo] (fwd)"), "foo");
    EXPECT_EQ(base_subject("[fwd: [fwd: foo ]]"), "foo");
    EXPECT_EQ(base_subject("[Fwd: foo] bar"), "bar");  // a blob before text, step 4
    EXPECT_EQ(base_subject("Café crème"), "Café crème");
}

TEST(BaseSubject, ReportsRepliesAndForwards) {
    EXPECT_TRUE(extract_base_subject("Re: foo").reply_or_forward);
    EXPECT_TRUE(extract_base_subject("foo (fwd)").reply_or_forward);
    EXPECT_TRUE(extract_base_subject("[Fwd: foo]").reply_or_forward);
    EXPECT_FALSE(extract_base_subject("[list] foo").reply_or_forward);
    EXPECT_FALSE(extract_base_subject("foo").reply_or_forward);
}

std::vector<SortCriterion> crit(std::initializer_list<const char*> keys) {
    std::vector<SortCriterion> out;
    for (std::string_view k : keys) {
        SortCriterion c;
        if (k.substr(0, 8) == "REVERSE ") {
            c.reverse = true;
            k.remove_prefix(8);
        }
        c.key = std::string(k);
        out.push_back(c);
    }
    return out;
}

class SortExec : public ::testing::Test {
  protected:
    void SetUp() override {
        box.add(
            "From: \"Zed\" <bob@x.example>\nTo: \"Amy\" <zack@y.example>\nCc: m@z.example\n"
            "Subject: Re: banana\nDate: Wed, 3 Jan 2024 10:00:00 +0000\n\nx\n");
        box.add(
            "From: \"Yan\" <alice@x.example>\nTo: Bea <yves@y.example>\n"
            "Subject: apple\nDate: Mon, 1 Jan 2024 11:00:00 +0100\n\nx\n");
        box.add(
            "From: =?UTF-8?Q?Xia?= <carl@x.example>\nTo: <adam@y.example>\n"
            "Subject: [list] =?UTF-8?Q?=C3=89clair?=\n\nx\n");
        box.add("Subject: Fwd: Apple (fwd)\nDate: 2 Jan 2024 10:00:00 GMT\n\nx\n");
        int64_t internal[] = {1704500000, 1704300000, 1704110000, 1704400000};
        uint64_t sizes[] = {300, 100, 300, 200};
        for (size_t i = 0; i < 4; ++i) {
            box.info(i + 1).internal_date = internal[i];
            box.info(i + 1).size = sizes[i];
        }
    }
    Seqs sort(std::initializer_list<const char*> keys, Seqs seqs = {1, 2, 3, 4}) {
        return sort_messages(crit(keys), seqs, box.msgs());
    }
    imap_test::MessageBox box;
};

TEST_F(SortExec, ArrivalAndDate) {
    EXPECT_EQ(sort({"ARRIVAL"}), (Seqs{3, 2, 4, 1}));
    EXPECT_EQ(sort({"REVERSE ARRIVAL"}), (Seqs{1, 4, 2, 3}));
    // Seq 3 has no Date: field and sorts by its internal date (1 Jan, 12:33 UTC).
    EXPECT_EQ(sort({"DATE"}), (Seqs{2, 3, 4, 1}));
    EXPECT_EQ(sort({"REVERSE DATE"}), (Seqs{1, 4, 3, 2}));
}

TEST_F(SortExec, SizeTiesKeepSequenceOrder) {
    EXPECT_EQ(sort({"SIZE"}), (Seqs{2, 4, 1, 3}));
    EXPECT_EQ(sort({"REVERSE SIZE"}), (Seqs{1, 3, 4, 2}));
    EXPECT_EQ(sort({"SIZE"}, {3, 1}), (Seqs{1, 3}));
    EXPECT_EQ(sort({"SIZE", "REVERSE ARRIVAL"}), (Seqs{2, 4, 1, 3}));
    EXPECT_EQ(sort({"SIZE", "ARRIVAL"}), (Seqs{2, 4, 3, 1}));
}

TEST_F(SortExec, SubjectUsesDecodedBaseSubject) {
    EXPECT_EQ(sort({"SUBJECT"}), (Seqs{2, 4, 1, 3}));
    EXPECT_EQ(sort({"SUBJECT", "REVERSE DATE"}), (Seqs{4, 2, 1, 3}));
    EXPECT_EQ(sort({"REVERSE SUBJECT"}), (Seqs{3, 1, 2, 4}));
}

TEST_F(SortExec, AddressKeys) {
    EXPECT_EQ(sort({"FROM"}), (Seqs{4, 2, 1, 3}));         // local parts: "", alice, bob, carl
    EXPECT_EQ(sort({"DISPLAYFROM"}), (Seqs{4, 3, 2, 1}));  // "", Xia, Yan, Zed
    EXPECT_EQ(sort({"TO"}), (Seqs{4, 3, 2, 1}));           // "", adam, yves, zack
    EXPECT_EQ(sort({"DISPLAYTO"}), (Seqs{4, 3, 1, 2}));    // "", adam@y.example, Amy, Bea
    EXPECT_EQ(sort({"CC"}), (Seqs{2, 3, 4, 1}));
    EXPECT_EQ(sort({"REVERSE CC"}), (Seqs{1, 2, 3, 4}));
}

// Messages for THREAD: Message-ID <id@t>, optional References / In-Reply-To, a subject
// and a Date on day `day` of January 2024.
std::string thread_msg(const std::string& id, const std::string& refs, const std::string& subject,
                       int day, const std::string& in_reply_to = "") {
    std::string m;
    if (!id.empty()) m += "Message-ID: <" + id + "@t>\n";
    if (!refs.empty()) m += "References: " + refs + "\n";
    if (!in_reply_to.empty()) m += "In-Reply-To: " + in_reply_to + "\n";
    m += "Subject: " + subject + "\n";
    m += "Date: " + std::to_string(day) + " Jan 2024 12:00:00 +0000\n\nbody\n";
    return m;
}

Seqs all_seqs(imap_test::MessageBox& box) {
    Seqs s;
    for (size_t i = 1; i <= box.msgs().size(); ++i) s.push_back(uint32_t(i));
    return s;
}

std::string thread(imap_test::MessageBox& box, const char* algorithm, bool uid = false) {
    return thread_messages(algorithm, all_seqs(box), box.msgs(), uid);
}

TEST(ThreadExec, OrderedSubject) {
    imap_test::MessageBox box;
    box.add(thread_msg("1", "", "foo", 3));
    box.add(thread_msg("2", "", "Re: foo", 4));
    box.add(thread_msg("3", "", "bar", 1));
    box.add(thread_msg("4", "", "RE: FOO", 5));
    box.add(thread_msg("5", "", "Fwd: bar", 2));
    box.add(thread_msg("6", "", "foo", 2));
    EXPECT_EQ(thread(box, "ORDEREDSUBJECT"), "(3 5)(6 (1)(2)(4))");
    EXPECT_EQ(thread(box, "ORDEREDSUBJECT", true), "(30 50)(60 (10)(20)(40))");
    EXPECT_EQ(thread_messages("ORDEREDSUBJECT", {1, 6}, box.msgs(), false), "(6 1)");
}

TEST(ThreadExec, ReferencesRfcExample) {
    imap_test::MessageBox box;
    box.add(thread_msg("2", "", "Lonely", 1));
    box.add(thread_msg("3", "", "Topic", 2));
    box.add(thread_msg("4", "<3@t> <6@t>", "Re: Topic", 4));
    box.add(thread_msg("6", "<3@t>", "Re: Topic", 3));
    box.add(thread_msg("7", "<44@t>", "Re: Topic", 7));  // a truncated References field
    box.add(thread_msg("23", "<3@t> <6@t> <4@t>", "Re: Topic", 5));
    box.add(thread_msg("44", "", "Re: Topic", 6, "<6@t>"));  // In-Reply-To only
    box.add(thread_msg("96", "<3@t>\n <6@t> <44@t> <7@t>", "Re: Topic", 8));
    uint32_t uids[] = {2, 3, 4, 6, 7, 23, 44, 96};
    for (size_t i = 0; i < 8; ++i) box.info(i + 1).uid = uids[i];
    EXPECT_EQ(thread(box, "REFERENCES", true), "(2)(3 6 (4 23)(44 7 96))");
    EXPECT_EQ(thread(box, "REFERENCES"), "(1)(2 4 (3 6)(7 5 8))");
}

TEST(ThreadExec, ReferencesDummiesArePruned) {
    imap_test::MessageBox box;
    box.add(thread_msg("a", "<missing@t>", "Alpha", 1));
    box.add(thread_msg("b", "<missing@t>", "Beta", 2));
    box.add(thread_msg("c", "<gone@t> <also-gone@t>", "Re: Gamma", 3));
    box.add(thread_msg("d", "", "Gamma", 4));
    // A dummy root keeps its two children; a lone child replaces its dummy parents, so
    // as a message (not a dummy) it then joins the original of its subject.
    EXPECT_EQ(thread(box, "REFERENCES"), "((1)(2))(4 3)");
}

TEST(ThreadExec, ReferencesGroupsBySubject) {
    imap_test::MessageBox box;
    box.add(thread_msg("1", "", "Party", 1));
    box.add(thread_msg("2", "", "Re: Party", 2));  // a reply without references
    box.add(thread_msg("3", "", "Lunch", 3));
    box.add(thread_msg("4", "", "lunch", 4));  // two originals: a dummy holds both
    box.add(thread_msg("5", "", "Re: Dinner", 5));
    box.add(thread_msg("6", "", "Dinner", 6));  // the original, though later
    box.add(thread_msg("7", "", "", 7));
    box.add(thread_msg("8", "", "Re:", 8));  // empty base subjects stay apart
    EXPECT_EQ(thread(box, "REFERENCES"), "(1 2)((3)(4))(6 5)(7)(8)");
}

TEST(ThreadExec, ReferencesSiblingsByDateAndDuplicateIds) {
    imap_test::MessageBox box;
    box.add(thread_msg("root", "", "Root", 1));
    box.add(thread_msg("late", "<root@t>", "Re: Root", 9));
    box.add(thread_msg("early", "<root@t>", "Re: Root", 3));
    box.add(thread_msg("root", "", "Other", 2));  // duplicate Message-ID: a thread of its own
    box.add(thread_msg("x", "junk without ids", "Re: Root", 4, "<early@t> <root@t>"));
    EXPECT_EQ(thread(box, "REFERENCES"), "(1 (3 5)(2))(4)");
}

TEST(ThreadExec, ReferencesLoopsAreBroken) {
    imap_test::MessageBox box;
    box.add(thread_msg("a", "<b@t>", "One", 1));
    box.add(thread_msg("b", "<a@t>", "Two", 2));
    box.add(thread_msg("c", "<c@t>", "Three", 3));  // refers to itself
    EXPECT_EQ(thread(box, "REFERENCES"), "(2 1)(3)");
}

TEST(ThreadExec, DeepChainsAndSubsets) {
    imap_test::MessageBox box;
    std::string expected = "(";
    const int n = 1000;
    for (int i = 1; i <= n; ++i) {
        std::string refs = i > 1 ? "<" + std::to_string(i - 1) + "@t>" : "";
        box.add(thread_msg(std::to_string(i), refs, "Chain", 1));
        expected += (i > 1 ? " " : "") + std::to_string(i);
    }
    expected += ")";
    EXPECT_EQ(thread(box, "REFERENCES"), expected);
    EXPECT_EQ(thread_messages("REFERENCES", {5, 4}, box.msgs(), false), "(4 5)");
    // Without the messages between them, two of the same subject meet under a dummy.
    EXPECT_EQ(thread_messages("REFERENCES", {5, 3}, box.msgs(), false), "((3)(5))");
}

TEST(ThreadExec, Algorithms) {
    const auto& algs = thread_algorithms();
    EXPECT_EQ(algs, (std::vector<std::string>{"ORDEREDSUBJECT", "REFERENCES"}));
    imap_test::MessageBox box;
    box.add(thread_msg("1", "", "x", 1));
    EXPECT_EQ(thread(box, "NOSUCH"), "");
    EXPECT_EQ(thread_messages("REFERENCES", {}, box.msgs(), false), "");
}

}  // namespace
