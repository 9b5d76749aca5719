// Unit tests for the IMAP codecs: modified UTF-7, sequence sets, dates, response formatting.
#include <gtest/gtest.h>

#include "imap/proto/datetime.h"
#include "imap/proto/mutf7.h"
#include "imap/proto/response.h"
#include "imap/proto/seqset.h"

using namespace magpie::imap;

TEST(ImapMutf7, DecodeAndEncode) {
    // RFC 3501 §5.1.3 example: "~peter/mail/&U,BTFw-/&ZeVnLIqe-" = 台北 / 日本語
    auto d = decode_mutf7("~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, "~peter/mail/\xE5\x8F\xB0\xE5\x8C\x97/\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
    EXPECT_EQ(encode_mutf7(*d), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    EXPECT_EQ(*decode_mutf7("A&-B"), "A&B");
    EXPECT_EQ(encode_mutf7("A&B"), "A&-B");
    // Astral plane through a surrogate pair: U+1F600
    std::string smile = "\xF0\x9F\x98\x80";
    EXPECT_EQ(*decode_mutf7(encode_mutf7(smile)), smile);
    EXPECT_EQ(*decode_mutf7(encode_mutf7("caf\xC3\xA9 x")), "caf\xC3\xA9 x");
}

TEST(ImapMutf7, RejectsInvalid) {
    EXPECT_FALSE(decode_mutf7("&"));            // unterminated
    EXPECT_FALSE(decode_mutf7("&U,BTFw"));      // unterminated
    EXPECT_FALSE(decode_mutf7("&AGE-"));        // "a" encoded: must be plain
    EXPECT_FALSE(decode_mutf7("&U/BTFw-"));     // "/" is not modified base64
    EXPECT_FALSE(decode_mutf7("&U,BTF-"));      // leftover non-zero bits
    EXPECT_FALSE(decode_mutf7("&2D0-"));        // lone high surrogate
    EXPECT_FALSE(decode_mutf7("&3gA-"));        // lone low surrogate
    EXPECT_FALSE(decode_mutf7("caf\xC3\xA9"));  // 8-bit
    EXPECT_FALSE(decode_mutf7("a\tb"));         // control
    EXPECT_FALSE(decode_mutf7("&ZeU-&Zyw-"));   // two adjacent shifts
}

TEST(ImapMutf7, Utf8Names) {
    EXPECT_TRUE(valid_utf8_name("Entw\xC3\xBCrfe"));
    EXPECT_FALSE(valid_utf8_name("\xC3"));
    EXPECT_FALSE(valid_utf8_name("\xED\xA0\x80"));  // surrogate
    EXPECT_FALSE(valid_utf8_name("\xE0\x80\xAF"));  // overlong
    EXPECT_FALSE(valid_utf8_name("a\x01"));
    EXPECT_EQ(canonical_inbox("iNbOx"), "INBOX");
    EXPECT_EQ(canonical_inbox("INBOX.x"), "INBOX.x");
}

TEST(ImapSeqSet, ParseAndContains) {
    auto s = parse_seqset("2,4:7,9,12:*");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->ranges.size(), 4u);
    EXPECT_TRUE(s->contains(5, 20));
    EXPECT_FALSE(s->contains(8, 20));
    EXPECT_TRUE(s->contains(20, 20));
    EXPECT_TRUE(parse_seqset("7:4")->contains(5, 10));  // unordered range
    EXPECT_TRUE(parse_seqset("*:4")->contains(4, 3));   // * below 4
    EXPECT_EQ(format_seqset(*s), "2,4:7,9,12:*");
    EXPECT_FALSE(parse_seqset("$", false));
    EXPECT_TRUE(parse_seqset("$")->saved);
    EXPECT_EQ(format_seqset(*parse_seqset("1,$")), "1,$");
    for (const char* badset : {"", "0", "1:0", ",", "1,", ",1", "1::2", "a", "4294967296",
                               "99999999999", "1:*:2", "$:1", "-1"})
        EXPECT_FALSE(parse_seqset(badset)) << badset;
}

TEST(ImapSeqSet, FormatNumbersCompresses) {
    EXPECT_EQ(format_numbers({5, 1, 2, 3, 9, 7, 8, 3}), "1:3,5,7:9");
    EXPECT_EQ(format_numbers({}), "");
    EXPECT_EQ(format_numbers({4294967295u, 4294967294u}), "4294967294:4294967295");
}

TEST(ImapDate, ParseAndFormat) {
    auto dt = parse_datetime("17-Jul-1996 02:44:25 -0700");
    ASSERT_TRUE(dt);
    EXPECT_EQ(dt->utc, 837596665);
    EXPECT_EQ(format_datetime(dt->utc, dt->tz_minutes), "\"17-Jul-1996 02:44:25 -0700\"");
    EXPECT_EQ(format_datetime(0, 0), "\" 1-Jan-1970 00:00:00 +0000\"");
    EXPECT_TRUE(parse_datetime(" 7-Feb-1994 21:52:25 -0800"));
    EXPECT_TRUE(parse_datetime("07-feb-1994 21:52:25 +0100"));
    EXPECT_FALSE(parse_datetime("7-Feb-1994 21:52:25 -0800"));  // date-day-fixed
    EXPECT_FALSE(parse_datetime("17-Jul-1996 24:44:25 -0700"));
    EXPECT_FALSE(parse_datetime("17-Jul-1996 02:44:25 0700"));
    EXPECT_FALSE(parse_datetime("29-Feb-2023 02:44:25 +0000"));
    auto d = parse_date("1-Feb-1994");
    ASSERT_TRUE(d);
    EXPECT_EQ(format_date(*d), "1-Feb-1994");
    EXPECT_TRUE(parse_date("\"29-Feb-2024\""));
    EXPECT_FALSE(parse_date("29-Feb-2023"));
    EXPECT_FALSE(parse_date("1-Feb-94"));
    EXPECT_FALSE(parse_date("0-Feb-1994"));
    EXPECT_LT(parse_date("31-Dec-1999")->days(), parse_date("1-Jan-2000")->days());
}

TEST(ImapResponse, Strings) {
    std::string out;
    append_astring(out, "INBOX");
    out += ' ';
    append_astring(out, "a b");
    out += ' ';
    append_astring(out, "");
    out += ' ';
    append_astring(out, "nil");
    out += ' ';
    append_astring(out, "x\r\ny");
    EXPECT_EQ(out, "INBOX \"a b\" \"\" \"nil\" {4}\r\nx\r\ny");
    out.clear();
    append_nstring(out, "", false);
    EXPECT_EQ(out, "NIL");
    out.clear();
    append_mailbox(out, "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", false);
    EXPECT_EQ(out, "&ZeVnLIqe-");
    out.clear();
    append_flag_list(out, {"\\Seen", "$Junk"});
    EXPECT_EQ(out, "(\\Seen $Junk)");
}

TEST(ImapResponse, StatusResponsesAndCodes) {
    EXPECT_EQ(tagged("a1", Status::Ok, code::uidnext(5), "Predicted next UID"),
              "a1 OK [UIDNEXT 5] Predicted next UID\r\n");
    EXPECT_EQ(untagged(Status::No, code::kOverQuota, "Quota exceeded"),
              "* NO [OVERQUOTA] Quota exceeded\r\n");
    EXPECT_EQ(tagged("b", Status::Bad, "", "bad\r\nline"), "b BAD bad  line\r\n");
    EXPECT_EQ(code::permanentflags({"\\Seen", "\\*"}), "PERMANENTFLAGS (\\Seen \\*)");
    EXPECT_EQ(code::appenduid(38505, {3955, 3956, 3957}), "APPENDUID 38505 3955:3957");
    EXPECT_EQ(code::copyuid(38505, {304, 319, 320}, {3956, 3957, 3958}),
              "COPYUID 38505 304,319:320 3956:3958");
    EXPECT_EQ(code::highestmodseq(715194045007ull), "HIGHESTMODSEQ 715194045007");
    EXPECT_EQ(code::uidvalidity(1), "UIDVALIDITY 1");
    EXPECT_EQ(code::capability({"IMAP4rev2", "IDLE"}), "CAPABILITY IMAP4rev2 IDLE");
    EXPECT_EQ(continuation(""), "+ Ready\r\n");
    EXPECT_EQ(sasl_challenge(""), "+ \r\n");  // empty PLAIN challenge: no text (not base64)
}

TEST(ImapResponse, Esearch) {
    EsearchResult r;
    r.min = 1;
    r.max = 9;
    r.count = 4;
    r.all = std::vector<uint32_t>{1, 2, 3, 9};
    EXPECT_EQ(esearch("a1", true, r),
              "* ESEARCH (TAG \"a1\") UID MIN 1 MAX 9 ALL 1:3,9 COUNT 4\r\n");
    EXPECT_EQ(esearch("a2", false, EsearchResult{}), "* ESEARCH (TAG \"a2\")\r\n");
}
