// Unit tests for the streaming IMAP command reader: framing, literals, limits, recovery.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "imap/proto/reader.h"

using namespace magpie::imap;
using namespace std::string_literals;

namespace {

// Feeds everything; accepts synchronizing literals unless over `refuse_above`.
struct Outcome {
    std::vector<std::string> commands;
    std::vector<ReadError> errors;
    std::vector<size_t> continuations;
};

Outcome run(CommandReader& r, std::string_view in, size_t chunk = SIZE_MAX,
            size_t refuse_above = SIZE_MAX) {
    Outcome out;
    std::string pending;
    size_t offered = 0;
    while (offered < in.size() || !pending.empty()) {
        if (pending.empty()) {
            size_t n = std::min(chunk, in.size() - offered);
            pending.assign(in.substr(offered, n));
            offered += n;
        }
        ReadResult res = r.feed(pending);
        pending.erase(0, res.used);
        if (res.status == ReadStatus::Command) out.commands.emplace_back(r.command());
        if (res.status == ReadStatus::Error) out.errors.push_back(r.error());
        if (res.status == ReadStatus::Continuation) {
            out.continuations.push_back(r.literal_size());
            if (r.literal_size() > refuse_above)
                r.reject_literal();
            else
                r.accept_literal();
        }
    }
    return out;
}

}  // namespace

TEST(ImapReader, SimpleAndPipelined) {
    CommandReader r;
    auto out = run(r, "a1 NOOP\r\na2 CAPABILITY\r\n\r\na3 LOGOUT\r\n");
    ASSERT_EQ(out.commands.size(), 3u);
    EXPECT_EQ(out.commands[0], "a1 NOOP\r\n");
    EXPECT_EQ(out.commands[2], "a3 LOGOUT\r\n");
    EXPECT_TRUE(out.errors.empty());
    EXPECT_FALSE(r.mid_command());
}

TEST(ImapReader, SynchronizingLiteralAsksForContinuation) {
    CommandReader r;
    auto out = run(r, "a LOGIN {3}\r\njoe {2}\r\npw\r\n");
    ASSERT_EQ(out.commands.size(), 1u);
    EXPECT_EQ(out.commands[0], "a LOGIN {3}\r\njoe {2}\r\npw\r\n");
    EXPECT_EQ(out.continuations, (std::vector<size_t>{3, 2}));
}

TEST(ImapReader, LiteralDataIsNotParsedForQuotesOrBraces) {
    CommandReader r;
    auto out = run(r, "a LOGIN {7+}\r\n\"({1}\r\n \"x\"\r\n");
    ASSERT_EQ(out.commands.size(), 1u);
    EXPECT_EQ(out.commands[0], "a LOGIN {7+}\r\n\"({1}\r\n \"x\"\r\n");
    EXPECT_TRUE(out.continuations.empty());
}

TEST(ImapReader, BraceInsideQuotedStringIsNotALiteral) {
    CommandReader r;
    auto out = run(r, "a LOGIN joe \"{5}\"\r\nb NOOP\r\n");
    ASSERT_EQ(out.commands.size(), 2u);
}

TEST(ImapReader, RefusedLiteralDropsTheCommand) {
    CommandReader r;
    auto out = run(r, "a APPEND x {100000}\r\nb NOOP\r\n", SIZE_MAX, 1000);
    ASSERT_EQ(out.commands.size(), 1u);
    EXPECT_EQ(out.commands[0], "b NOOP\r\n");
}

TEST(ImapReader, LiteralAboveLimitIsAnError) {
    ReaderLimits l;
    l.max_literal = 100;
    CommandReader r(l);
    auto out = run(r, "a APPEND x {101}\r\nb NOOP\r\n");
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_EQ(out.errors[0].kind, ReadErrorKind::LiteralTooBig);
    EXPECT_EQ(out.errors[0].response(), "a BAD [TOOBIG] Literal too big\r\n");
    ASSERT_EQ(out.commands.size(), 1u);
    EXPECT_EQ(out.commands[0], "b NOOP\r\n");
}

TEST(ImapReader, LiteralMinusSkipsOversizedNonSyncData) {
    CommandReader r;  // max_nonsync_literal = 4096 (RFC 7888 LITERAL-)
    std::string big(5000, 'x');
    auto out = run(r, "a APPEND x {5000+}\r\n" + big + " {3+}\r\nabc\r\nb NOOP\r\n", 7);
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_EQ(out.errors[0].tag, "a");
    ASSERT_EQ(out.commands.size(), 1u);
    EXPECT_EQ(out.commands[0], "b NOOP\r\n");
}

TEST(ImapReader, HugeLiteralCountIsRejectedNotAllocated) {
    CommandReader r;
    auto out = run(r, "a LOGIN {99999999999999999999}\r\nb NOOP\r\n");
    ASSERT_EQ(out.errors.size(), 1u);
    ASSERT_EQ(out.commands.size(), 1u);
    EXPECT_EQ(out.commands[0], "b NOOP\r\n");
}

TEST(ImapReader, NeverEndingLiteralStaysBounded) {
    ReaderLimits l;
    l.max_command = 1000;
    l.max_literal = 1000;
    CommandReader r(l);
    auto out = run(r, "a APPEND x {900}\r\n" + std::string(100000, 'y'));
    // The literal is accepted, then the remainder is one endless line.
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_TRUE(out.errors[0].kind == ReadErrorKind::LineTooLong ||
                out.errors[0].kind == ReadErrorKind::CommandTooBig);
    EXPECT_LE(r.command().size(), 1000u);
}

TEST(ImapReader, LongLineIsSkippedToItsEnd) {
    ReaderLimits l;
    l.max_line = 50;
    CommandReader r(l);
    auto out = run(r, "tag1 NOOP " + std::string(500, 'z') + "\r\nb NOOP\r\n", 13);
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_EQ(out.errors[0].kind, ReadErrorKind::LineTooLong);
    EXPECT_EQ(out.errors[0].tag, "tag1");
    ASSERT_EQ(out.commands.size(), 1u);
    EXPECT_EQ(out.commands[0], "b NOOP\r\n");
}

TEST(ImapReader, LongLineEndingInNonSyncLiteralSkipsTheLiteral) {
    ReaderLimits l;
    l.max_line = 50;
    CommandReader r(l);
    auto out = run(r, "a X " + std::string(100, 'z') + " {4+}\r\nb NO\r\nc NOOP\r\n");
    ASSERT_EQ(out.errors.size(), 1u);
    ASSERT_EQ(out.commands.size(), 1u);
    EXPECT_EQ(out.commands[0], "c NOOP\r\n");
}

TEST(ImapReader, UnreadableTagGivesUntaggedBad) {
    ReaderLimits l;
    l.max_line = 20;
    CommandReader r(l);
    auto out = run(r, std::string(100, '*') + "\r\n");
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_EQ(out.errors[0].tag, "");
    EXPECT_EQ(out.errors[0].response().substr(0, 6), "* BAD ");
}

TEST(ImapReader, DeepNestingIsRejected) {
    CommandReader r;
    auto out = run(r, "a SEARCH " + std::string(200, '(') + "\r\nb NOOP\r\n");
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_EQ(out.errors[0].kind, ReadErrorKind::TooDeep);
    ASSERT_EQ(out.commands.size(), 1u);
}

TEST(ImapReader, ParenthesesInQuotesDoNotCount) {
    ReaderLimits l;
    l.max_depth = 2;
    CommandReader r(l);
    auto out = run(r, "a SEARCH SUBJECT \"((((((\\\"(((\"\r\n");
    EXPECT_TRUE(out.errors.empty());
    EXPECT_EQ(out.commands.size(), 1u);
}

TEST(ImapReader, TooManyLiterals) {
    ReaderLimits l;
    l.max_literals = 3;
    CommandReader r(l);
    auto out = run(r, "a X {1+}\r\na {1+}\r\nb {1+}\r\nc {1+}\r\nd\r\nb NOOP\r\n");
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_EQ(out.errors[0].kind, ReadErrorKind::CommandTooBig);
    ASSERT_EQ(out.commands.size(), 1u);
    EXPECT_EQ(out.commands[0], "b NOOP\r\n");
}

TEST(ImapReader, EverySplitPointGivesTheSameCommands) {
    const std::string in =
        "a1 LOGIN {3}\r\njoe \"p\\\"w\"\r\na2 APPEND x (\\Seen) ~{4}\r\n\0\1\2\3\r\n"
        "a3 APPEND y {2+}\r\nhi\r\na4 NOOP\r\n"s;
    CommandReader whole;
    auto expect = run(whole, in);
    ASSERT_EQ(expect.commands.size(), 4u);
    for (size_t split = 1; split < in.size(); ++split) {
        CommandReader r;
        std::string first = in.substr(0, split);
        std::string rest = in.substr(split);
        Outcome out;
        for (std::string part : {first, rest}) {
            auto got = run(r, part);
            out.commands.insert(out.commands.end(), got.commands.begin(), got.commands.end());
            out.errors.insert(out.errors.end(), got.errors.begin(), got.errors.end());
        }
        EXPECT_EQ(out.commands, expect.commands) << "split at " << split;
        EXPECT_TRUE(out.errors.empty());
    }
    for (size_t chunk = 1; chunk < 8; ++chunk) {
        CommandReader r;
        EXPECT_EQ(run(r, in, chunk).commands, expect.commands) << "chunk " << chunk;
    }
}

TEST(ImapReader, BareLfIsAccepted) {
    CommandReader r;
    auto out = run(r, "a NOOP\nb NOOP\n");
    EXPECT_EQ(out.commands.size(), 2u);
}

TEST(ImapReader, CommandSoFarIsVisibleAtContinuation) {
    CommandReader r;
    ReadResult res = r.feed("a1 APPEND Drafts (\\Seen) {310}\r\n");
    ASSERT_EQ(res.status, ReadStatus::Continuation);
    EXPECT_EQ(r.command(), "a1 APPEND Drafts (\\Seen) {310}\r\n");
    EXPECT_EQ(r.literal_size(), 310u);
    EXPECT_EQ(r.tag(), "a1");
    EXPECT_TRUE(r.mid_command());
    // Feeding before a decision uses nothing.
    EXPECT_EQ(r.feed("xyz").used, 0u);
}

TEST(ImapReader, RecoveryThenPipelinedParse) {
    ReaderLimits l;
    l.max_line = 40;
    CommandReader r(l);
    auto out = run(r, "a1 FETCH 1 (" + std::string(60, 'X') +
                          ")\r\n"
                          "a2 FETCH 0 FLAGS\r\n"
                          "a3 NOOP\r\n");
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_EQ(out.errors[0].response(), "a1 BAD [TOOBIG] Line too long\r\n");
    ASSERT_EQ(out.commands.size(), 2u);
    EXPECT_EQ(out.commands[1], "a3 NOOP\r\n");
}
