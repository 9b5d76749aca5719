// Unit tests for the DATA/BDAT body reader: unstuffing, end detection, content checks.
#include <gtest/gtest.h>

#include "smtp/proto/data_reader.h"

using namespace magpie::smtp;

namespace {
DataLimits limits() {
    return DataLimits{1 << 20, 1000, 4096};
}

// Feeds `in` in pieces of `step` bytes; returns output and bytes consumed.
std::pair<std::string, size_t> run(DataReader& r, std::string_view in, size_t step) {
    std::string out;
    size_t used = 0;
    while (used < in.size() && !r.done()) {
        size_t n = std::min(step, in.size() - used);
        used += r.feed(in.substr(used, n), out);
    }
    return {out, used};
}
}  // namespace

TEST(DataReader, UnstuffsAndStopsAtEnd) {
    for (size_t step : {1, 2, 3, 7, 1000}) {
        DataReader r(limits(), true);
        std::string in = "Subject: x\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n";
        auto [out, used] = run(r, in, step);
        EXPECT_TRUE(r.done()) << step;
        EXPECT_EQ(out, "Subject: x\r\n\r\n.leading dot\r\n") << step;
        EXPECT_EQ(in.substr(used), "QUIT\r\n") << step;
        EXPECT_FALSE(r.stats().bare_lf);
    }
}

TEST(DataReader, EmptyMessage) {
    DataReader r(limits(), true);
    auto [out, used] = run(r, ".\r\n", 1);
    EXPECT_TRUE(r.done());
    EXPECT_EQ(out, "");
    EXPECT_EQ(used, 3u);
}

TEST(DataReader, BareLfDotIsNotTheEnd) {
    // SMTP smuggling: "\n.\n" and "\n.\r\n" after a bare LF must not end the message.
    DataReader r(limits(), true);
    std::string out;
    r.feed("a\n.\nb\n.\r\nc\r\n", out);
    EXPECT_FALSE(r.done());
    EXPECT_TRUE(r.stats().bare_lf);
    r.feed(".\r\n", out);
    EXPECT_TRUE(r.done());
}

TEST(DataReader, DotCrWithoutLfIsData) {
    DataReader r(limits(), true);
    std::string out;
    r.feed(".\rx\r\n.\r\n", out);
    EXPECT_TRUE(r.done());
    EXPECT_EQ(out, "\rx\r\n");
    EXPECT_TRUE(r.stats().bare_cr);
}

TEST(DataReader, ContentChecks) {
    DataReader r(limits(), true);
    std::string in = "A: " + std::string(2000, 'x') + "\r\n\r\nbody";
    in += std::string_view("\0z\r\n.\r\n", 7);
    std::string out;
    r.feed(in, out);
    EXPECT_TRUE(r.done());
    EXPECT_TRUE(r.stats().long_line);
    EXPECT_TRUE(r.stats().nul);
}

TEST(DataReader, HeaderAndSizeLimits) {
    DataReader r(DataLimits{100, 1000, 50}, true);
    std::string in;
    for (int i = 0; i < 10; ++i) in += "X-H: 0123456789\r\n";
    in += "\r\nbody\r\n.\r\n";
    std::string out;
    r.feed(in, out);
    EXPECT_TRUE(r.done());
    EXPECT_TRUE(r.stats().header_too_big);
    EXPECT_TRUE(r.stats().too_big);
    EXPECT_LE(out.size(), 100u);
    EXPECT_EQ(r.stats().size, static_cast<int64_t>(in.size() - 3));
}

TEST(DataReader, CapturesFoldedMessageId) {
    DataReader r(limits(), true);
    std::string out;
    r.feed("From: a\r\nMessage-ID:\r\n <id@host>\r\nSubject: s\r\n\r\nMessage-ID: <no>\r\n.\r\n",
           out);
    EXPECT_EQ(r.stats().message_id, "<id@host>");
}

TEST(DataReader, BdatModeIsRaw) {
    DataReader r(limits(), false);
    std::string out;
    EXPECT_EQ(r.feed("..x\r\n.\r\n", out), 8u);
    EXPECT_FALSE(r.done());
    EXPECT_EQ(out, "..x\r\n.\r\n");
}
