// Unit tests for header splitting and unfolding (src/mime/header.h).
#include <gtest/gtest.h>

#include "mime/header.h"

using namespace magpie::mime;

TEST(MimeHeader, SplitsFoldedFieldsAndFindsBody) {
    std::string_view m = "Subject: hello\r\n world\r\nFrom: a@b\r\n\r\nbody";
    HeaderBlock hb = parse_header(m, 0, 100);
    ASSERT_EQ(hb.fields.size(), 2u);
    EXPECT_EQ(hb.fields[0].name, "Subject");
    EXPECT_EQ(hb.fields[0].raw_value, " hello\r\n world");
    EXPECT_EQ(unfold_trim(hb.fields[0].raw_value), "hello world");
    EXPECT_TRUE(hb.has_blank_line);
    EXPECT_EQ(m.substr(hb.end), "body");
}

TEST(MimeHeader, BareLfAndObsoleteSpaceBeforeColon) {
    std::string_view m = "Subject : x\nX-A:\n\tfolded\n\nbody\n";
    HeaderBlock hb = parse_header(m, 0, 100);
    ASSERT_EQ(hb.fields.size(), 2u);
    EXPECT_EQ(hb.fields[0].name, "Subject");  // RFC 5322 §4.5 obs-optional
    EXPECT_EQ(unfold_trim(hb.fields[1].raw_value), "folded");
    EXPECT_EQ(m.substr(hb.end), "body\n");
}

TEST(MimeHeader, NoBlankLineAndLinesWithoutColon) {
    std::string_view m = "A: 1\r\nnot a field\r\nB: 2";
    HeaderBlock hb = parse_header(m, 0, 100);
    ASSERT_EQ(hb.fields.size(), 2u);
    EXPECT_EQ(hb.fields[1].raw_value, " 2");
    EXPECT_FALSE(hb.has_blank_line);
    EXPECT_EQ(hb.end, m.size());
}

TEST(MimeHeader, FieldLimitAndStopCallback) {
    std::string m;
    for (int i = 0; i < 50; ++i) m += "X: y\r\n";
    m += "--b\r\nZ: z\r\n\r\n";
    HeaderBlock hb =
        parse_header(m, 0, 10, [&](size_t pos) { return m.compare(pos, 3, "--b") == 0; });
    EXPECT_EQ(hb.fields.size(), 10u);
    EXPECT_EQ(m.substr(hb.end, 3), "--b");
}

TEST(MimeHeader, NulBecomesReplacementCharacterWhenUnfolded) {
    std::string raw("a\0b", 3);
    EXPECT_EQ(unfold(raw),
              "a\xEF\xBF\xBD"
              "b");
}

TEST(MimeHeader, FindFieldIsCaseInsensitive) {
    std::string_view m = "content-TYPE: text/plain\r\n\r\n";
    HeaderBlock hb = parse_header(m, 0, 10);
    ASSERT_NE(find_field(hb.fields, "Content-Type"), nullptr);
    EXPECT_EQ(find_field(hb.fields, "Subject"), nullptr);
}
