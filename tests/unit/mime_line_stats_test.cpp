// count_lines and find_line_flaws against a byte-by-byte reference, across the 16-byte
// blocks of the vectorised scan.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "mime/line_stats.h"

using magpie::mime::count_lines;
using magpie::mime::find_line_flaws;
using magpie::mime::LineFlaws;

namespace {

struct Reference {
    size_t lines = 0, bare_lf = 0;
    bool nul = false;
};

Reference reference(std::string_view b) {
    Reference s;
    for (size_t i = 0; i < b.size(); ++i) {
        if (b[i] == '\n') {
            ++s.lines;
            if (i == 0 || b[i - 1] != '\r') ++s.bare_lf;
        }
        if (b[i] == '\0') s.nul = true;
    }
    return s;
}

}  // namespace

TEST(MimeLineStats, CrAtTheEndOfABlockCoversTheLfStartingTheNext) {
    std::string b(16, 'x');
    b += "\r\n";
    b += std::string(13, 'y') + "\r\n\r\n";
    EXPECT_FALSE(find_line_flaws(b).bare_lf);
    b[b.size() - 2] = 'z';
    EXPECT_TRUE(find_line_flaws(b).bare_lf);
    EXPECT_EQ(count_lines(b).bare_lf, 1u);
}

TEST(MimeLineStats, LeadingLfIsBareAndNulIsSeenInBlockAndTail) {
    EXPECT_TRUE(find_line_flaws("\nabc").bare_lf);
    EXPECT_EQ(count_lines("\nabc").bare_lf, 1u);
    std::string block(40, 'a');
    EXPECT_FALSE(find_line_flaws(block).nul);
    for (size_t at : {size_t{0}, size_t{3}, size_t{39}}) {
        std::string b = block;
        b[at] = '\0';
        EXPECT_TRUE(find_line_flaws(b).nul) << at;
        EXPECT_FALSE(find_line_flaws(b).bare_lf) << at;
    }
    LineFlaws none = find_line_flaws("");
    EXPECT_FALSE(none.bare_lf || none.nul);
}

TEST(MimeLineStats, MatchesTheReferenceOnRandomBytes) {
    std::mt19937 rng(7);
    const char alphabet[] = {'\r', '\n', 'a', ' ', '\0'};
    for (int round = 0; round < 3000; ++round) {
        size_t len = round % 10 == 0 ? 1000 + rng() % 5000 : rng() % 100;
        std::string b(len, 'a');
        // Mostly CRLF text, so that one bare LF or NUL must be found among many blocks.
        for (char& c : b) c = alphabet[rng() % (round % 3 == 0 ? 5 : 4)];
        if (round % 2) {
            for (size_t i = 1; i < b.size(); ++i)
                if (b[i] == '\n' && rng() % 50) b[i - 1] = '\r';
        }
        size_t skip = b.empty() ? 0 : rng() % (b.size() + 1);  // unaligned starts
        std::string_view v = std::string_view(b).substr(skip);
        Reference want = reference(v);
        ASSERT_EQ(count_lines(v).lines, want.lines) << round;
        ASSERT_EQ(count_lines(v).bare_lf, want.bare_lf) << round;
        LineFlaws got = find_line_flaws(v);
        ASSERT_EQ(got.bare_lf, want.bare_lf > 0) << round;
        ASSERT_EQ(got.nul, want.nul) << round;
    }
}
