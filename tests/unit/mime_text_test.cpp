// Unit tests for text extraction, HTML reduction and content sniffing.
#include <gtest/gtest.h>

#include "mime/html_text.h"
#include "mime/parser.h"
#include "mime/sniff.h"
#include "mime/text_extract.h"
#include "mime_test_util.h"

using namespace magpie::mime;

TEST(MimeHtml, TagsScriptsEntitiesAndBlocks) {
    std::string out;
    html_to_text(
        "<html><head><title>T</title><style>p{}</style></head><body><p>Hello&nbsp;&amp; "
        "<b>w&ouml;rld</b></p><script>alert(1)</script><!-- c --><div>A&#x263A;&#65;</div>"
        "a < b</body></html>",
        out);
    EXPECT_EQ(out,
              "Hello & w\xC3\xB6rld\nA\xE2\x98\xBA"
              "A\na < b");
}

TEST(MimeHtml, UnterminatedConstructsEnd) {
    std::string out;
    html_to_text("text <script>never closed", out);
    EXPECT_EQ(out, "text");
    out.clear();
    html_to_text("x <!-- open", out);
    EXPECT_EQ(out, "x");
    out.clear();
    html_to_text("<a href=\"unclosed", out);
    EXPECT_EQ(out, "");
    EXPECT_EQ(html_meta_charset(
                  "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-2\">"),
              "iso-8859-2");
    EXPECT_EQ(html_meta_charset("<meta charset=\"utf-8\">"), "utf-8");
}

TEST(MimeSniff, KnownSignatures) {
    EXPECT_EQ(detect_type("%PDF-1.4\n"), "application/pdf");
    EXPECT_EQ(detect_type(std::string_view("PK\x03\x04rest", 8)), "application/zip");
    EXPECT_EQ(detect_type("MZ\x90"), "application/x-msdownload");
    EXPECT_EQ(detect_type("\x89PNG\r\n\x1A\nxxxx"), "image/png");
    EXPECT_EQ(detect_type("  <!DOCTYPE html><p>"), "text/html");
    EXPECT_EQ(detect_type("plain words"), "text/plain");
    EXPECT_EQ(detect_type(std::string_view("\x00\x01\x02", 3)), "application/octet-stream");
}

TEST(MimeText, ExtractsAlternativeOnceAndListsAttachments) {
    std::string m = mime_test::read_file(mime_test::testdata_dir() / "torture/bare_lf_nested.eml");
    Message msg = parse_message(m);
    ExtractedText t = extract_text(msg);
    EXPECT_EQ(t.subject, "bare LF nested");
    EXPECT_EQ(t.text, "plain text\nsecond line");
    ASSERT_EQ(t.attachments.size(), 1u);
    EXPECT_EQ(t.attachments[0].part, "2");
    EXPECT_EQ(t.attachments[0].filename, "doc.pdf");
    EXPECT_EQ(t.attachments[0].content_type, "application/pdf");
    EXPECT_EQ(t.attachments[0].detected_type, "application/pdf");
}

TEST(MimeText, CharsetsQuotedPrintableAndHtml) {
    std::string m =
        "Subject: =?iso-8859-1?q?caf=E9?=\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9 cr=\r\n=E8me\r\n"
        "--b\r\nContent-Type: text/html; charset=koi8-r\r\nContent-Transfer-Encoding: "
        "base64\r\n\r\n"
        "PHA+8NLJ18XUPC9wPg==\r\n"
        "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner subject\r\n\r\ninner body\r\n"
        "--b\r\nContent-Type: application/octet-stream; name=\"=?utf-8?q?f=C3=BCr.exe?=\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA\r\n"
        "--b--\r\n";
    Message msg = parse_message(m);
    ExtractedText t = extract_text(msg);
    EXPECT_EQ(t.subject, "caf\xC3\xA9");
    EXPECT_EQ(t.text,
              "caf\xC3\xA9 cr\xC3\xA8me\n\n\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"
              "\n\ninner subject\n\ninner body");
    ASSERT_EQ(t.attachments.size(), 1u);
    EXPECT_EQ(t.attachments[0].part, "4");
    EXPECT_EQ(t.attachments[0].filename, "f\xC3\xBCr.exe");
    EXPECT_EQ(t.attachments[0].detected_type, "application/x-msdownload");
    EXPECT_EQ(decoded_header(msg.root, "Subject"), "caf\xC3\xA9");
}

TEST(MimeText, TextIsCappedWithoutCuttingUtf8) {
    std::string m = "Content-Type: text/plain; charset=utf-8\r\n\r\n";
    for (int i = 0; i < 1000; ++i) m += "\xC3\xA9";
    Message msg = parse_message(m);
    ExtractOptions opt;
    opt.max_text_bytes = 101;
    ExtractedText t = extract_text(msg, opt);
    EXPECT_TRUE(t.truncated);
    EXPECT_EQ(t.text.size(), 100u);
}
