// Unit tests for the MIME structure parser (src/mime/parser.h): offsets, broken
// boundaries, nesting bounds and large messages.
#include <gtest/gtest.h>

#include <chrono>

#include "mime/mapped_file.h"
#include "mime/parser.h"
#include "mime_test_util.h"

using namespace magpie::mime;

namespace {

std::string torture(const char* name) {
    return mime_test::read_file(mime_test::testdata_dir() / "torture" / name);
}

}  // namespace

TEST(MimeParser, SinglePartOffsets) {
    std::string m = "Subject: x\r\n\r\nline1\r\nline2\r\n";
    Message msg = parse_message(m);
    EXPECT_EQ(msg.root.header_start, 0u);
    EXPECT_EQ(msg.root.header_end, 14u);
    EXPECT_EQ(msg.root.body_end, m.size());
    EXPECT_EQ(msg.root.type, "text");
    EXPECT_EQ(msg.root.subtype, "plain");
    EXPECT_FALSE(msg.root.has_content_type);
    LineStats ls = count_lines(msg.root.body_bytes(m));
    EXPECT_EQ(ls.lines, 2u);
    EXPECT_EQ(ls.bare_lf, 0u);
}

TEST(MimeParser, NestedMultipartWithBareLf) {
    std::string m = torture("bare_lf_nested.eml");
    Message msg = parse_message(m);
    ASSERT_TRUE(msg.root.is_multipart());
    ASSERT_EQ(msg.root.children.size(), 2u);
    const Part& alt = msg.root.children[0];
    ASSERT_EQ(alt.children.size(), 2u);
    EXPECT_EQ(alt.children[0].body_bytes(m), "plain text\nsecond line");
    EXPECT_EQ(alt.children[1].body_bytes(m), "<p>html</p>");
    const Part& pdf = msg.root.children[1];
    EXPECT_EQ(pdf.type, "application");
    EXPECT_EQ(pdf.encoding, Encoding::kBase64);
    EXPECT_EQ(pdf.filename(), "doc.pdf");
    EXPECT_EQ(pdf.header_bytes(m),
              "Content-Type: application/pdf; name=doc.pdf\nContent-Transfer-Encoding: base64\n\n");
    // RFC 2046 §5.1.1: the line end before a boundary belongs to the boundary.
    EXPECT_EQ(pdf.body_bytes(m), "JVBERi0xLjQK");
    LineStats ls = count_lines(alt.children[0].body_bytes(m));
    EXPECT_EQ(ls.lines, 1u);
    EXPECT_EQ(ls.crlf_size(alt.children[0].body_size()), alt.children[0].body_size() + 1);
}

TEST(MimeParser, MissingFinalBoundaryEndsAtBufferEnd) {
    std::string m = torture("missing_final_boundary.eml");
    Message msg = parse_message(m);
    ASSERT_EQ(msg.root.children.size(), 2u);
    EXPECT_EQ(msg.root.children[1].body_bytes(m), "second, never closed\r\n");
    EXPECT_EQ(msg.root.children[1].body_end, m.size());
}

TEST(MimeParser, EmptyBoundaryParameterIsABoundary) {
    // RFC 2046 §5.1.1 boundary := 0*69<bchars> bcharsnospace: the grammar needs one
    // character, but mail with boundary="" exists; like Dovecot, "--" lines delimit it.
    std::string m =
        "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n"
        "Content-Type: text/plain\r\n\r\none\r\n--\r\n\r\ntwo\r\n----\r\n";
    Message msg = parse_message(m);
    ASSERT_EQ(msg.root.children.size(), 2u);
    EXPECT_EQ(msg.root.children[0].body_bytes(m), "one");
    EXPECT_EQ(msg.root.children[1].body_bytes(m), "two");
}

TEST(MimeParser, FinalBoundaryWithoutLineEndAtBufferEnd) {
    std::string m = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b--";
    Message msg = parse_message(m);
    ASSERT_EQ(msg.root.children.size(), 1u);
    EXPECT_EQ(msg.root.children[0].body_bytes(m), "one");
    std::string open = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b";
    EXPECT_EQ(parse_message(open).root.children.size(), 1u);  // no empty part after it
}

TEST(MimeParser, OuterBoundaryClosesInnerMultipart) {
    std::string m =
        "Content-Type: multipart/mixed; boundary=out\r\n\r\n--out\r\n"
        "Content-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\n\r\ninner\r\n"
        "--out\r\n\r\nsecond\r\n--out--\r\n";
    Message msg = parse_message(m);
    ASSERT_EQ(msg.root.children.size(), 2u);
    ASSERT_EQ(msg.root.children[0].children.size(), 1u);
    EXPECT_EQ(msg.root.children[0].children[0].body_bytes(m), "inner");
    EXPECT_EQ(msg.root.children[1].body_bytes(m), "second");
}

TEST(MimeParser, LongestMatchingBoundaryWins) {
    // Boundaries "ab" (outer) and "a" (inner): "--ab" belongs to the outer one.
    std::string m =
        "Content-Type: multipart/mixed; boundary=ab\r\n\r\n--ab\r\n"
        "Content-Type: multipart/mixed; "
        "boundary=a\r\n\r\n--a\r\n\r\nx\r\n--ab\r\n\r\ny\r\n--ab--\r\n";
    Message msg = parse_message(m);
    ASSERT_EQ(msg.root.children.size(), 2u);
    EXPECT_EQ(msg.root.children[1].body_bytes(m), "y");
}

TEST(MimeParser, MessageRfc822HasItsOwnTree) {
    std::string m = torture("rfc822_chain.eml");
    Message msg = parse_message(m);
    ASSERT_TRUE(msg.root.is_message());
    const Part& l1 = *msg.root.message;
    ASSERT_TRUE(l1.is_message());
    const Part& l2 = *l1.message;
    EXPECT_TRUE(l2.is_multipart());
    ASSERT_EQ(l2.children.size(), 2u);
    EXPECT_EQ(l2.children[0].body_bytes(m), "deep");
    EXPECT_EQ(l1.header_start, msg.root.header_end);
    EXPECT_EQ(msg.root.body_end, m.size());
}

TEST(MimeParser, DigestDefaultsToMessageRfc822) {
    std::string m = torture("digest_defaults.eml");
    Message msg = parse_message(m);
    ASSERT_EQ(msg.root.children.size(), 3u);
    EXPECT_TRUE(msg.root.children[0].is_message());  // RFC 2046 §5.1.5
    EXPECT_EQ(msg.root.children[1].type, "text");
    ASSERT_TRUE(msg.root.children[2].is_message());
    const Part& inner = *msg.root.children[2].message;
    ASSERT_EQ(inner.children.size(), 1u);
    EXPECT_EQ(inner.children[0].type, "text");  // plain multipart again: text/plain
}

TEST(MimeParser, DuplicateContentHeadersFirstWins) {
    std::string m = torture("duplicate_headers.eml");
    Message msg = parse_message(m);
    EXPECT_EQ(msg.root.subtype, "html");
    EXPECT_EQ(msg.root.encoding, Encoding::k7bit);
}

TEST(MimeParser, NulBytesAreJustBytes) {
    std::string m = torture("nul_bytes.eml");
    Message msg = parse_message(m);
    ASSERT_EQ(msg.root.children.size(), 2u);
    EXPECT_EQ(msg.root.children[0].body_bytes(m), std::string("before\0after", 12));
    EXPECT_EQ(msg.root.children[1].body_size(), 3u);
}

TEST(MimeParser, NestingIsBounded) {
    std::string m = torture("deep_nesting.eml");
    Message msg = parse_message(m);
    int depth = 1;
    const Part* p = &msg.root;
    while (!p->children.empty()) {
        p = &p->children[0];
        ++depth;
    }
    EXPECT_EQ(depth, Limits{}.max_depth);
    EXPECT_TRUE(p->nesting_truncated);
    EXPECT_EQ(p->type, "application");

    // 100 000 levels: no stack overflow, bounded work.
    std::string big;
    for (int i = 0; i < 100000; ++i)
        big += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "x\r\n\r\n--b" +
               std::to_string(i) + "x\r\n";
    Message deep = parse_message(big);
    EXPECT_EQ(deep.part_count, size_t(Limits{}.max_depth));
    // Boundaries that are prefixes of later ones ("b1", "b10", ...) open many parts:
    // the part limit still holds.
    std::string prefixes;
    for (int i = 0; i < 100000; ++i)
        prefixes += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) +
                    "\r\n\r\n--b" + std::to_string(i) + "\r\n";
    EXPECT_LE(parse_message(prefixes).part_count, Limits{}.max_parts);
}

TEST(MimeParser, PartCountIsBounded) {
    std::string m = "Content-Type: multipart/mixed; boundary=x\r\n\r\n";
    for (int i = 0; i < 20000; ++i) m += "--x\r\n\r\np\r\n";
    m += "--x--\r\n";
    Limits lim;
    lim.max_parts = 500;
    Message msg = parse_message(m, lim);
    EXPECT_LE(msg.part_count, 500u);
    EXPECT_EQ(msg.root.body_end, m.size());
}

TEST(MimeParser, RfcMessageDepthIsBounded) {
    std::string m;
    for (int i = 0; i < 1000; ++i) m += "Content-Type: message/rfc822\r\n\r\n";
    m += "Subject: bottom\r\n\r\nx";
    Message msg = parse_message(m);
    int depth = 0;
    for (const Part* p = &msg.root; p->message; p = p->message.get()) ++depth;
    EXPECT_EQ(depth, Limits{}.max_message_depth);
}

TEST(MimeParser, EmptyAndHeaderOnlyMessages) {
    Message e = parse_message("");
    EXPECT_EQ(e.root.body_end, 0u);
    std::string m = torture("header_only.eml");
    Message h = parse_message(m);
    EXPECT_EQ(h.root.header_end, m.size());
    EXPECT_EQ(h.root.body_size(), 0u);
}

TEST(MimeParser, FiftyMegabyteMessageIsNotCopied) {
    // 50 MB base64 attachment: the parts are views, so parsing allocates little.
    std::string m =
        "Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\n"
        "hello\r\n--zz\r\nContent-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n";
    std::string line(76, 'A');
    line += "\r\n";
    while (m.size() < (50u << 20)) m += line;
    m += "--zz--\r\n";
    auto t0 = std::chrono::steady_clock::now();
    Message msg = parse_message(m);
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    ASSERT_EQ(msg.root.children.size(), 2u);
    EXPECT_EQ(msg.root.children[1].body_bytes(m).data(),
              m.data() + msg.root.children[1].header_end);
    EXPECT_GT(msg.root.children[1].body_size(), 50u << 19);
    EXPECT_LT(ms, 20000);
}

TEST(MimeParser, ParsesAMappedFile) {
    MappedFile f((mime_test::testdata_dir() / "torture/rfc822_chain.eml").string());
    Message msg = parse_message(f.data());
    ASSERT_TRUE(msg.root.is_message());
    EXPECT_EQ(msg.root.body_end, f.size());
    MappedFile moved = std::move(f);
    EXPECT_EQ(f.size(), 0u);
    EXPECT_EQ(moved.data().substr(0, 5), "From:");
    EXPECT_THROW(MappedFile("/nonexistent/file"), std::system_error);
}

TEST(MimeParser, LineEndBeforeABoundaryNeverBelongsToTheHeader) {
    // Dovecot's ranges: the line end before a boundary line belongs to the boundary, even
    // when it is the blank line ending a header or the end of a header cut short.
    std::string m =
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\n"  // blank line, then the boundary
        "--b\r\nContent-Type: text/plain\r\n"      // header cut short by the boundary
        "--b\r\n\r\n"                              // empty header, then the boundary
        "--b--\r\n";
    Message msg = parse_message(m);
    ASSERT_EQ(msg.root.children.size(), 3u);
    EXPECT_EQ(msg.root.children[0].header_bytes(m), "Content-Type: text/plain\r\n");
    EXPECT_EQ(msg.root.children[1].header_bytes(m), "Content-Type: text/plain");
    EXPECT_EQ(msg.root.children[2].header_bytes(m), "");
    for (const auto& c : msg.root.children) EXPECT_EQ(c.body_size(), 0u);
}
