// Unit tests for the Bayes tokenizer: word normalisation, encoded and HTML messages,
// header tokens, URL hosts, bigrams and the per-message bounds.
#include "filter/bayes_tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "filter/bayes_words.h"
#include "mime/parser.h"

using namespace magpie;
using namespace magpie::filter;

namespace {

bool has(const std::vector<std::string>& v, const std::string& t) {
    return std::find(v.begin(), v.end(), t) != v.end();
}

std::vector<std::string> tokens_of(const std::string& raw, const TokenizerOptions& opt = {}) {
    return tokenize(mime::parse_message(raw), opt);
}

}  // namespace

TEST(BayesWords, Normalisation) {
    WordRules r;
    EXPECT_EQ(normalise_word("Hello", r), "hello");
    EXPECT_EQ(normalise_word("'quoted.'", r), "quoted");
    EXPECT_EQ(normalise_word("a", r), "");
    EXPECT_EQ(normalise_word("12345", r), "n:5");
    EXPECT_EQ(normalise_word("3.14", r), "n:4");
    EXPECT_EQ(normalise_word("$100", r), "n:4");
    EXPECT_EQ(normalise_word("don't", r), "don't");
    EXPECT_EQ(normalise_word("Example.COM", r), "example.com");
    EXPECT_EQ(normalise_word(std::string(45, 'x'), r), "sk:xxxxxx:4");
    // A long UTF-8 word is not cut inside a character.
    std::string e_acute = "\xC3\xA9";
    std::string long_utf8;
    for (int i = 0; i < 20; ++i) long_utf8 += e_acute;
    EXPECT_EQ(normalise_word(long_utf8, r), "sk:" + e_acute + e_acute + e_acute + ":4");
}

TEST(BayesWords, SplitAndUrls) {
    std::vector<std::string> words;
    for_each_word("Buy NOW, at http://Shop.Example.com/x?y=1 -- it's 50% off!", {},
                  [&](std::string&& w) {
                      words.push_back(w);
                      return true;
                  });
    EXPECT_EQ(words, (std::vector<std::string>{"buy", "now", "at", "http", "shop.example.com",
                                               "it's", "n:2", "off"}));
    std::vector<std::string> hosts;
    for_each_url_host("see https://A.b.Example.org/p and www.test.net. or http://1.2.3.4:80/",
                      [&](std::string&& h) { hosts.push_back(h); });
    EXPECT_EQ(hosts, (std::vector<std::string>{"a.b.example.org", "www.test.net", "1.2.3.4"}));
    EXPECT_EQ(last_two_labels("a.b.example.org"), "example.org");
    EXPECT_EQ(last_two_labels("example.org"), "example.org");
    EXPECT_TRUE(is_ipv4("10.0.0.1"));
    EXPECT_FALSE(is_ipv4("10.0.0"));
    EXPECT_FALSE(is_ipv4("1000.0.0.1"));
}

TEST(BayesTokenizer, EncodedSubjectAndQuotedPrintableLatin1Body) {
    auto t = tokens_of(
        "From: =?utf-8?q?J=C3=BCrgen?= <jurgen@Mail.Example.DE>\r\n"
        "To: a@one.example, b@two.example\r\n"
        "Subject: =?iso-8859-1?q?Caf=E9_Offer?=\r\n"
        "Message-ID: <123.abc@mx.Sender.example>\r\n"
        "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
        "X-Mailer: SuperMailer 5.1\r\n"
        "Received: from relay.sender.example (relay.sender.example [192.0.2.17])\r\n"
        "\tby mx.example.com with ESMTP id 42\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=ISO-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Gr=FC=DFe aus M=FCnchen, free money now\r\n");
    EXPECT_TRUE(has(t, "s:caf\xC3\xA9"));
    EXPECT_TRUE(has(t, "s:offer"));
    EXPECT_TRUE(has(t,
                    "gr\xC3\xBC\xC3\x9F"
                    "e"));  // case folding is ASCII-only
    EXPECT_TRUE(has(t, "m\xC3\xBCnchen"));
    EXPECT_TRUE(has(t, "b:free money"));
    EXPECT_TRUE(has(t, "from:mail.example.de"));
    EXPECT_TRUE(has(t, "fromaddr:jurgen@mail.example.de"));
    EXPECT_TRUE(has(t, "fromname:j\xC3\xBCrgen"));
    EXPECT_TRUE(has(t, "to:one.example"));
    EXPECT_TRUE(has(t, "to:two.example"));
    EXPECT_TRUE(has(t, "mid:mx.sender.example"));
    EXPECT_TRUE(has(t, "xm:supermailer"));
    EXPECT_TRUE(has(t, "rcvd:relay.sender.example"));
    EXPECT_TRUE(has(t, "rcvd:esmtp"));
    EXPECT_TRUE(has(t, "rcvd:ip:192.0.2"));
    EXPECT_TRUE(has(t, "ct:text/plain"));
    EXPECT_TRUE(has(t, "cs:iso-8859-1"));
    EXPECT_TRUE(has(t, "cte:quoted-printable"));
    EXPECT_TRUE(has(t, "h:x-mailer"));
    EXPECT_FALSE(has(t, "h:!date"));
    EXPECT_FALSE(has(t, "n:2"));  // numbers in Received are not tokens
}

TEST(BayesTokenizer, Base64HtmlAlternativeAndAttachment) {
    // "<html><body><p>Click <a href="https://Win.Prize.example/claim">HERE</a></p></body></html>"
    auto t = tokens_of(
        "From: x@y.example\r\nSubject: hi\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n"
        "--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n"
        "--b2\r\nContent-Type: text/plain\r\n\r\nClick here\r\n"
        "--b2\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n"
        "\r\nPGh0bWw+PGJvZHk+PHA+Q2xpY2sgPGEgaHJlZj0iaHR0cHM6Ly9XaW4uUHJpemUuZXhhbXBsZS9jbGFp\r\n"
        "bSI+SEVSRTwvYT48L3A+PC9ib2R5PjwvaHRtbD4=\r\n"
        "--b2--\r\n"
        "--b1\r\nContent-Type: application/octet-stream; name=\"invoice.PDF\"\r\n"
        "Content-Disposition: attachment; filename=\"invoice.PDF\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n");
    EXPECT_TRUE(has(t, "click"));
    EXPECT_TRUE(has(t, "ct:multipart/alternative"));
    EXPECT_TRUE(has(t, "ct:text/html"));
    EXPECT_TRUE(has(t, "cte:base64"));
    EXPECT_TRUE(has(t, "html:a"));
    EXPECT_TRUE(has(t, "html:body"));
    EXPECT_TRUE(has(t, "url:win.prize.example"));
    EXPECT_TRUE(has(t, "url:prize.example"));
    EXPECT_TRUE(has(t, "ext:pdf"));
    EXPECT_TRUE(has(t, "att:application/pdf"));
    EXPECT_TRUE(has(t, "h:!date"));
    EXPECT_TRUE(has(t, "h:!message-id"));
}

TEST(BayesTokenizer, HtmlOnlyBodyIsReducedToText) {
    auto t = tokens_of(
        "From: x@y.example\r\nContent-Type: text/html\r\n\r\n"
        "<html><style>.big{}</style><b>Cheap</b> <i>pills</i></html>\r\n");
    EXPECT_TRUE(has(t, "cheap"));
    EXPECT_TRUE(has(t, "pills"));
    EXPECT_TRUE(has(t, "b:cheap pills"));
    EXPECT_FALSE(has(t, "big"));
    EXPECT_TRUE(has(t, "html:style"));
}

TEST(BayesTokenizer, BoundedAndDeterministic) {
    std::string body;
    for (int i = 0; i < 100000; ++i) body += "w" + std::to_string(i) + "x ";
    std::string raw = "Subject: big\r\n\r\n" + body + "\r\n";
    TokenizerOptions opt;
    opt.max_tokens = 1000;
    auto t = tokens_of(raw, opt);
    EXPECT_EQ(t.size(), 1000u);
    EXPECT_EQ(t, tokens_of(raw, opt));
    opt.bigrams = false;
    auto no_bigrams = tokens_of("Subject: s\r\n\r\nalpha beta gamma\r\n", opt);
    EXPECT_FALSE(std::any_of(no_bigrams.begin(), no_bigrams.end(),
                             [](const std::string& s) { return s.starts_with("b:"); }));
}

TEST(BayesTokenizer, HashIsStable) {
    // The database stores these hashes: they must never change between versions.
    EXPECT_NE(token_hash("viagra"), token_hash("s:viagra"));
    EXPECT_EQ(token_hash("viagra"), 0x133f6799f5817800ull);
}
