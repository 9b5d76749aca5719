// Unit tests for transfer decoding, charsets, RFC 2047 words and RFC 2231 parameters.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "mime/charset.h"
#include "mime/params.h"
#include "mime/rfc2047.h"
#include "mime/transfer_decode.h"

using namespace magpie::mime;

TEST(MimeDecode, Base64IgnoresJunkAndStopsAtPadding) {
    std::string out;
    decode_base64("aGVs\r\nbG8g*d29y bGQ=\r\nIGNvbnRpbnVlZA==", out);
    EXPECT_EQ(out, "hello world");
    out.clear();
    decode_base64("YQ", out);  // unpadded
    EXPECT_EQ(out, "a");
}

// A plain per-character decoder, the reference for the fast one.
std::string reference_base64(std::string_view in) {
    static const std::string alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned acc = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') break;
        auto v = alphabet.find(c);
        if (v == std::string::npos) continue;
        acc = (acc << 6) | unsigned(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(char((acc >> bits) & 0xff));
        }
    }
    return out;
}

TEST(MimeDecode, Base64FastPathMatchesReference) {
    std::mt19937 rng(7);
    const std::string chars =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\r\n \t*-=";
    for (int round = 0; round < 500; ++round) {
        std::string in;
        size_t len = rng() % 400;
        // Mostly clean alphabet in lines, with junk and an occasional early '='.
        for (size_t i = 0; i < len; ++i) {
            unsigned r = rng() % 100;
            if (r < 90)
                in += chars[rng() % 64];
            else if (r < 97)
                in += (i % 2) ? "\r\n" : " ";
            else
                in += chars[64 + rng() % (chars.size() - 64)];
        }
        std::string out = "x";
        decode_base64(in, out);
        EXPECT_EQ(out, "x" + reference_base64(in)) << in;
    }
}

TEST(MimeDecode, Base64LimitedThenResumed) {
    std::mt19937 rng(11);
    for (int round = 0; round < 300; ++round) {
        std::string in;
        size_t len = rng() % 600;
        for (size_t i = 0; i < len; ++i) {
            in += "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[rng() % 64];
            if (rng() % 40 == 0) in += "\r\n";
            if (rng() % 300 == 0) in += "=";
        }
        std::string whole;
        decode_base64(in, whole);
        size_t limit = rng() % 500;
        std::string head;
        size_t used = decode_base64(in, head, limit);
        EXPECT_GE(head.size(), std::min(limit, whole.size()));
        EXPECT_LE(head.size(), limit + 2);
        EXPECT_EQ(head, whole.substr(0, head.size()));
        decode_base64(in.substr(used), head);
        EXPECT_EQ(head, whole) << in << " limit " << limit;
    }
    std::string out;
    EXPECT_EQ(decode_base64("aGVsbG8g", out, 0), 0u);
    EXPECT_EQ(out, "");
    EXPECT_EQ(decode_base64("aG\r\nVsbG8g", out, 1), 6u);  // "aG\r\nVs": one whole group
    EXPECT_EQ(out, "hel");
}

TEST(MimeDecode, QuotedPrintableSoftBreaksAndTrailingSpace) {
    std::string out;
    decode_qp("caf=E9 =\r\nsoft   \r\nline=3D=\nend=ZZ=", out);
    EXPECT_EQ(out, "caf\xE9 soft\r\nline=end=ZZ");
}

TEST(MimeDecode, HeaderQUsesUnderscoreForSpace) {
    std::string out;
    decode_qp("a_b=5F", out, true);
    EXPECT_EQ(out, "a b_");
}

TEST(MimeDecode, EncodingNames) {
    EXPECT_EQ(parse_encoding(" Base64 "), Encoding::kBase64);
    EXPECT_EQ(parse_encoding("QUOTED-PRINTABLE"), Encoding::kQuotedPrintable);
    EXPECT_EQ(parse_encoding(""), Encoding::k7bit);
    EXPECT_EQ(parse_encoding("x-uuencode"), Encoding::kUnknown);
}

TEST(MimeCharset, ConvertsThroughIconv) {
    std::string out;
    EXPECT_TRUE(to_utf8("ISO-8859-1", "caf\xE9", out));
    EXPECT_EQ(out, "caf\xC3\xA9");
    out.clear();
    EXPECT_TRUE(to_utf8("koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4", out));
    EXPECT_EQ(out, "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");  // Привет
    out.clear();
    EXPECT_TRUE(to_utf8("iso-2022-jp", "\x1b$BF|K\\8l\x1b(B", out));
    EXPECT_EQ(out, "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");  // 日本語
    out.clear();
    EXPECT_TRUE(to_utf8("windows-1252", "\x80", out));
    EXPECT_EQ(out, "\xE2\x82\xAC");
}

TEST(MimeCharset, InvalidBytesAndUnknownCharsetsNeverFail) {
    std::string out;
    EXPECT_TRUE(to_utf8("utf-8",
                        "a\xFF"
                        "b",
                        out));
    EXPECT_EQ(out,
              "a\xEF\xBF\xBD"
              "b");
    out.clear();
    EXPECT_FALSE(to_utf8("x-no-such-charset", "caf\xE9", out));
    EXPECT_EQ(out, "caf\xC3\xA9");  // Latin-1 fallback
    out.clear();
    to_utf8("utf-8//TRANSLIT", "ok", out);
    EXPECT_EQ(out, "ok");
    out.clear();
    to_utf8("shift_jis", "\x82", out);  // truncated multibyte sequence
    EXPECT_EQ(out, "\xEF\xBF\xBD");
    EXPECT_TRUE(is_valid_utf8("\xE6\x97\xA5"));
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // surrogate
}

TEST(MimeRfc2047, DecodesWordsAndDropsWhitespaceBetweenThem) {
    EXPECT_EQ(decode_rfc2047("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?="), "Keld J\xC3\xB8rn Simonsen");
    EXPECT_EQ(decode_rfc2047("=?UTF-8?B?w6TDtsO8?= =?UTF-8?Q?_and_more?="),
              "\xC3\xA4\xC3\xB6\xC3\xBC and more");
    EXPECT_EQ(decode_rfc2047("a =?US-ASCII?Q?b?=\r\n =?US-ASCII?Q?c?= d"), "a bc d");
    EXPECT_EQ(decode_rfc2047("(=?ISO-8859-1?Q?a?= b)"), "(a b)");
}

TEST(MimeRfc2047, JoinsMultibyteCharacterSplitAcrossWords) {
    // "日" (E6 97 A5) split over two base64 words.
    EXPECT_EQ(decode_rfc2047("=?UTF-8?B?5pc=?= =?UTF-8?B?pQ==?="), "\xE6\x97\xA5");
}

TEST(MimeRfc2047, MalformedWordsStayAsText) {
    EXPECT_EQ(decode_rfc2047("=?utf-8?X?abc?="), "=?utf-8?X?abc?=");
    EXPECT_EQ(decode_rfc2047("=?utf-8?Q?unterminated"), "=?utf-8?Q?unterminated");
    EXPECT_EQ(decode_rfc2047("raw \xC3\xA4 utf8"), "raw \xC3\xA4 utf8");  // RFC 6532
    EXPECT_EQ(decode_rfc2047("raw \xE4 latin1"), "raw \xC3\xA4 latin1");
    EXPECT_EQ(decode_rfc2047("=?utf-8*en?Q?lang?="), "lang");  // RFC 2231 §5
}

TEST(MimeParams, ContentTypeWithQuotedAndCommentedParams) {
    ContentType ct = parse_content_type(" Text/Plain (comment); charset=\"utf-8\" ; format=flowed");
    EXPECT_EQ(ct.type, "Text");
    EXPECT_EQ(ct.subtype, "Plain");
    ASSERT_EQ(ct.params.size(), 2u);
    EXPECT_EQ(find_param(ct.params, "charset")->value, "utf-8");
    EXPECT_EQ(find_param(ct.params, "format")->value, "flowed");
}

TEST(MimeParams, InvalidContentTypeIsEmpty) {
    EXPECT_TRUE(parse_content_type("text; charset=us-ascii").type.empty());
    EXPECT_TRUE(parse_content_type("multipart/mixed\r\n\tboundary=x").type.empty());
    EXPECT_TRUE(parse_content_type("").type.empty());
}

TEST(MimeParams, Rfc2231ContinuationsCharsetsAndLanguage) {
    Params p = parse_params("; name*0*=utf-8'de'%C3%A4rger; name*1=\" und mehr\"; name*2*=%2Etxt");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].value, "\xC3\xA4rger und mehr.txt");
    EXPECT_EQ(p[0].language, "de");
    EXPECT_EQ(p[0].imap_name, "name*");
    EXPECT_EQ(p[0].imap_value, "utf-8'de'%C3%A4rger und mehr%2Etxt");

    p = parse_params("; filename*=iso-8859-1''caf%E9.txt");
    EXPECT_EQ(p[0].value, "caf\xC3\xA9.txt");

    p = parse_params("; title*1=\"b\"; title*0=\"a\"");  // out of order
    EXPECT_EQ(p[0].value, "ab");
}

TEST(MimeParams, Rfc2047InQuotedValueAndJunkRecovery) {
    Params p = parse_params("; name=\"=?UTF-8?Q?r=C3=A9sum=C3=A9.txt?=\"");
    EXPECT_EQ(p[0].value, "r\xC3\xA9sum\xC3\xA9.txt");
    EXPECT_EQ(p[0].imap_value, "=?UTF-8?Q?r=C3=A9sum=C3=A9.txt?=");
    // A missing ';' loses only the parameter after it (as Dovecot does).
    p = parse_params("; a=1\r\n b=2; c=3");
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0].name, "a");
    EXPECT_EQ(p[1].name, "c");
    // Duplicates: the first wins. Names keep their case for IMAP.
    p = parse_params("; A=1; a=2");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].imap_name, "A");
    EXPECT_EQ(p[0].value, "1");
}
