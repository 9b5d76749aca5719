// DKIM canonicalization, tag lists and message splitting: RFC 6376 §3.4.6 examples and
// the line-end and chunking cases the streaming body hasher must get right.
#include <gtest/gtest.h>

#include "core/base64.h"
#include "dkim/canon.h"
#include "dkim/message.h"
#include "dkim/tags.h"

using namespace magpie;
using namespace magpie::dkim;

namespace {

// RFC 6376 §3.4.6, with <SP>, <HTAB> and <CRLF> written out.
const std::string kExample =
    "A: X\r\n"
    "B : Y\t\r\n"
    "\tZ  \r\n"
    "\r\n"
    " C \r\n"
    "D \t E\r\n"
    "\r\n"
    "\r\n";

std::string bh(Canon c, std::string_view body, std::optional<uint64_t> limit = {}) {
    BodyHasher h(c, HashAlg::Sha256, limit);
    h.update(body);
    return base64_encode(h.finish());
}

}  // namespace

TEST(DkimCanon, Rfc6376Example_RelaxedHeaders) {
    auto msg = split_message(kExample);
    ASSERT_EQ(msg.headers.size(), 2u);
    EXPECT_EQ(canon_header(Canon::Relaxed, msg.headers[0].raw), "a:X\r\n");
    EXPECT_EQ(canon_header(Canon::Relaxed, msg.headers[1].raw), "b:Y Z\r\n");
}

TEST(DkimCanon, Rfc6376Example_SimpleHeadersUnchanged) {
    auto msg = split_message(kExample);
    ASSERT_EQ(msg.headers.size(), 2u);
    EXPECT_EQ(canon_header(Canon::Simple, msg.headers[0].raw), "A: X\r\n");
    EXPECT_EQ(canon_header(Canon::Simple, msg.headers[1].raw), "B : Y\t\r\n\tZ  \r\n");
}

TEST(DkimCanon, Rfc6376Example_RelaxedBody) {
    auto msg = split_message(kExample);
    EXPECT_EQ(canon_body(Canon::Relaxed, msg.body), " C\r\nD E\r\n");
}

TEST(DkimCanon, Rfc6376Example_SimpleBody) {
    auto msg = split_message(kExample);
    EXPECT_EQ(canon_body(Canon::Simple, msg.body), " C \r\nD \t E\r\n");
}

TEST(DkimCanon, EmptyBody) {
    // RFC 6376 §3.4.3: simple turns an empty body into one CRLF; relaxed leaves it empty.
    EXPECT_EQ(canon_body(Canon::Simple, ""), "\r\n");
    EXPECT_EQ(canon_body(Canon::Relaxed, ""), "");
    EXPECT_EQ(canon_body(Canon::Simple, "\r\n\r\n"), "\r\n");
    EXPECT_EQ(canon_body(Canon::Relaxed, " \r\n\t\r\n"), "");
    // The well-known hashes of those two canonical forms.
    EXPECT_EQ(bh(Canon::Simple, ""), "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
    EXPECT_EQ(bh(Canon::Relaxed, ""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST(DkimCanon, MissingFinalCrlfIsAdded) {
    EXPECT_EQ(canon_body(Canon::Simple, "abc"), "abc\r\n");
    EXPECT_EQ(canon_body(Canon::Relaxed, "abc  "), "abc\r\n");
}

TEST(DkimCanon, InnerEmptyLinesKept) {
    EXPECT_EQ(canon_body(Canon::Relaxed, "a\r\n\r\n\r\nb\r\n\r\n"), "a\r\n\r\n\r\nb\r\n");
    EXPECT_EQ(canon_body(Canon::Simple, "a\r\n \r\nb\r\n"), "a\r\n \r\nb\r\n");
    EXPECT_EQ(canon_body(Canon::Relaxed, "a\r\n \r\nb\r\n"), "a\r\n\r\nb\r\n");
}

TEST(DkimCanon, BareLfEqualsCrlf) {
    std::string crlf = "Hi.\r\n\r\nWe lost  the game.\r\n\r\n";
    std::string lf = "Hi.\n\nWe lost  the game.\n\n";
    for (auto c : {Canon::Simple, Canon::Relaxed}) {
        EXPECT_EQ(canon_body(c, lf), canon_body(c, crlf));
        EXPECT_EQ(bh(c, lf), bh(c, crlf));
    }
}

TEST(DkimCanon, LoneCrIsText) {
    EXPECT_EQ(canon_body(Canon::Simple, "a\rb\r\n"), "a\rb\r\n");
}

TEST(DkimCanon, ChunkingDoesNotMatter) {
    std::string body = "line one  \r\n\r\n\t tabbed\r\n\r\nend \r\n\r\n\r\n";
    for (auto c : {Canon::Simple, Canon::Relaxed}) {
        std::string whole = bh(c, body);
        for (size_t step = 1; step <= 5; ++step) {
            BodyHasher h(c, HashAlg::Sha256);
            for (size_t i = 0; i < body.size(); i += step) h.update(body.substr(i, step));
            EXPECT_EQ(base64_encode(h.finish()), whole) << "step " << step;
        }
    }
}

TEST(DkimCanon, LengthLimit) {
    // l= counts canonical bytes: "abc\r\n" is 5, so l=3 hashes "abc".
    EXPECT_EQ(bh(Canon::Relaxed, "abc\r\ndef\r\n", 3), bh(Canon::Relaxed, "abc", 3));
    BodyHasher h(Canon::Relaxed, HashAlg::Sha256, 3);
    h.update("abc\r\ndef\r\n");
    auto d = h.finish();
    EXPECT_EQ(h.canonical_length(), 10u);
    EXPECT_EQ(d, digest(HashAlg::Sha256, "abc"));
}

TEST(DkimCanon, RelaxedHeaderSpacesAroundColonAndCase) {
    EXPECT_EQ(canon_header(Canon::Relaxed, "SubJect \t:  Hello   World \r\n"),
              "subject:Hello World\r\n");
    EXPECT_EQ(canon_header(Canon::Relaxed, "To:\r\n a@b\r\n"), "to:a@b\r\n");
}

TEST(DkimMessage, SplitsLfAndCrlf) {
    auto m = split_message("From: a\nSubject: x\n y\n\nbody\n");
    ASSERT_EQ(m.headers.size(), 2u);
    EXPECT_EQ(m.headers[1].name, "Subject");
    EXPECT_EQ(m.headers[1].raw, "Subject: x\r\n y\r\n");
    EXPECT_EQ(m.body, "body\n");
    auto n = split_message("From: a\r\n");
    ASSERT_EQ(n.headers.size(), 1u);
    EXPECT_TRUE(n.body.empty());
}

TEST(DkimTags, ParsesAndRejects) {
    auto t = parse_tags(" v = 1 ;a=rsa-sha256;\r\n\tb=ab\r\n cd; ");
    ASSERT_TRUE(t);
    EXPECT_EQ(*t->get("v"), "1");
    EXPECT_EQ(*t->get("a"), "rsa-sha256");
    EXPECT_EQ(strip_wsp(*t->get("b")), "abcd");
    std::string err;
    EXPECT_FALSE(parse_tags("v=1; v=2", &err));
    EXPECT_NE(err.find("duplicate"), std::string::npos);
    EXPECT_FALSE(parse_tags("novalue"));
    EXPECT_FALSE(parse_tags("1a=x"));
}

TEST(DkimTags, BlankBValue) {
    EXPECT_EQ(blank_b_value("DKIM-Signature: a=x; b=abc\r\n def; bh=zz;\r\n"),
              "DKIM-Signature: a=x; b=; bh=zz;\r\n");
    EXPECT_EQ(blank_b_value("DKIM-Signature: a=x; bh=zz;\r\n\tb=ab\r\n\tcd\r\n"),
              "DKIM-Signature: a=x; bh=zz;\r\n\tb=\r\n");
}

TEST(DkimCanon, RelaxedHeaderKeepsSpaceAfterInnerColons) {
    EXPECT_EQ(canon_header(Canon::Relaxed, "DKIM-Signature: h=from : to :\r\n subject\r\n"),
              "dkim-signature:h=from : to : subject\r\n");
}
