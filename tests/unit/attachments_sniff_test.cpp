// The plain-text shortcut before libmagic: what takes it, everything that must not (script,
// batch, JavaScript, archive and program markers, control bytes, broken UTF-8, a possible
// tar header), agreement with libmagic on both sides, and the attachment walk around it
// (custom types still typed, base64 parts decoded lazily past the typed head).
#include "filter/attachments_sniff.h"

#include <gtest/gtest.h>
#include <magic.h>

#include <random>

#include "filter/attachments.h"
#include "filter/attachments_magic.h"
#include "filter/attachments_types.h"
#include "filter_test_util.h"
#include "mime/parser.h"

namespace magpie::filter {
namespace {

using filter_test::mime_message;

bool targeted(const std::string& type) {
    return is_executable_type(type) || is_archive_type(type);
}

std::string text_of(size_t n) {
    std::string s;
    while (s.size() < n) s += "the quick brown fox jumps over the lazy dog\r\n";
    s.resize(n);
    return s;
}

TEST(AttachmentSniff, PlainTextTakesTheShortcut) {
    for (std::string s : {
             std::string("hello world\n"),
             std::string("Dear customer,\r\n\tplease find the invoice.\f\r\n"),
             std::string("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xe2\x82\xac \xf0\x9f\x93\xa7\n"),
             std::string("<html><body><p>Hello</p></body></html>\n"),
             std::string("\xef\xbb\xbfhello with a byte order mark\n"),
             std::string("latin-1: Die Hasen und die Fr\xf6sche, caf\xe9 au lait\n"),
             std::string("windows-1252 \x93quotes\x94 \x80 and a cut UTF-8 \xe6\x97"),
             std::string("an important export of imports: typeOf functions\n"),
             std::string("Batch file? no: @ is fine after the start\n"),
             text_of(4000),
         }) {
        EXPECT_TRUE(plain_text_without_markers_544(s)) << s;
        if (text_shortcut_available()) {
            EXPECT_FALSE(targeted(magic_type(s))) << s;
        }
    }
    // Only the head libmagic reads counts: a multi-byte character cut at its end, markers
    // past it.
    std::string cut = text_of(kMagicTextBytes - 1) + "\xe6\x97\xa5" + text_of(100);
    EXPECT_TRUE(plain_text_without_markers_544(cut));
    std::string late = text_of(kMagicTextBytes) + "\n(function(){ x = typeof y === 'z' })()\n";
    EXPECT_TRUE(plain_text_without_markers_544(late));
    if (text_shortcut_available()) {
        EXPECT_FALSE(targeted(magic_type(late)));
    }
}

TEST(AttachmentSniff, NotTakenForMarkersOrNonText) {
    std::string tar_like = text_of(kMagicTextBytes);
    tar_like.replace(148, 8, "  01234 ");
    std::string dos_message = text_of(kMagicTextBytes);
    dos_message.replace(252, 21, "Must have DOS version");
    for (std::string s : {
             std::string(),
             std::string("nul\0inside", 10),
             std::string("bell \x07 here"),
             std::string("escape \x1b[0m"),
             std::string("vertical\vtab"),
             std::string("delete \x7f"),
             std::string("#!/bin/sh\necho hi\n"),
             std::string("#! /usr/bin/env bash\n"),
             std::string("#!/usr/bin/env node\nconsole.log(1)\n"),
             std::string("\xef\xbb\xbf#!/bin/sh\necho hi\n"),
             std::string("@echo off\r\ndel *.*\r\n"),
             std::string("\xef\xbb\xbf@echo off\r\n"),
             std::string("MZ is not a greeting"),
             std::string("BZh91AY&SY"),
             std::string("070707000000"),
             std::string("!<arch>\ndebian-binary   "),
             std::string("ab-lh5-xyz"),
             std::string("1234567**ACE**"),
             std::string("LZIP"),
             std::string("ID3 tag"),
             std::string("\xe9\x80\x80 starts like a DOS jump"),
             std::string("\xeb\x80\x80 starts like a DOS jump"),
             std::string("q\xc7\x80 byte-swapped cpio"),
             std::string("\xc7q cpio"),
             std::string("\xca\xfe\xba\xbe Java class"),
             std::string("\xcf\xfa\xed\xfe Mach-O"),
             std::string("\xff\xd8\xff\xe0 JPEG"),
             std::string("\xb8 DOS COM"),
             std::string("(\xb5/\xfd zstd"),
             std::string("ab\xcd!\xcd! int 21h"),
             std::string("123456\xfcW\xf3\xa5\xc3 COM"),
             std::string("xSZDD\x88\xf0'3 InstallShield"),
             std::string("text (function() { return 1; })();"),
             std::string("text (async function f() {})"),
             std::string("if (typeof x === 'undefined') {}"),
             std::string("'use strict';\nvar a = 1;"),
             std::string("var a = require('b');\n"),
             std::string("module.exports = {};\n"),
             std::string("hello\nimport x from 'y';\n"),
             std::string("hello\r\nexport default 1;\n"),
             std::string("\xef\xbb\xbf"
                         "export default 1;\n"),
             std::string("x __BUNDLE_START_TIME__=1"),
             tar_like,
             dos_message,
         }) {
        EXPECT_FALSE(plain_text_without_markers_544(s)) << s;
    }
    // The markers are there because libmagic names such text a script or an archive.
    if (text_shortcut_available()) {
        EXPECT_EQ(magic_type("#!/bin/sh\necho hi\n"), "text/x-shellscript");
        EXPECT_EQ(magic_type("@echo off\r\ndel *.*\r\n"), "text/x-msdos-batch");
        EXPECT_TRUE(targeted(magic_type("text (function() { return 1; })();\n")));
        EXPECT_TRUE(
            targeted(magic_type("\xef\xbb\xbf"
                                "export default 1;\n")));
        EXPECT_TRUE(targeted(magic_type("BZh91AY&SY")));
    }
}

// Random text made of ordinary words and the JavaScript, script and archive tokens: whenever
// the shortcut is taken, libmagic agrees that the text is neither program nor archive.
TEST(AttachmentSniff, AgreesWithLibmagicOnRandomText) {
    if (!text_shortcut_available()) GTEST_SKIP() << "libmagic is not 5.44";
    const char* words[] = {"the",          "invoice",    "\xc3\xa9t\xc3\xa9",
                           "function",     "import",     "export",
                           "from",         "typeof",     "===",
                           "require('a')", "(function(", "module.exports =",
                           "'use strict'", "const",      "@echo off",
                           "#!/bin/sh",    "MZ",         "BZh91",
                           "070707",       "<html>",     "\r\n",
                           "\n",           "\t",         "export default ",
                           "import './x'", "**ACE**",    "-lh5-"};
    std::mt19937 rng(5);
    int taken = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string s = rng() % 10 == 0 ? "\xef\xbb\xbf" : "";
        for (unsigned k = 0, n = 1 + rng() % 30; k < n; ++k) {
            s += words[rng() % std::size(words)];
            if (rng() % 3) s += ' ';
        }
        if (!plain_text_without_markers_544(s)) continue;
        ++taken;
        EXPECT_FALSE(targeted(magic_type(s))) << s;
    }
    EXPECT_GT(taken, 50);
}

TEST(AttachmentSniff, ScriptsStillBlockedAndCustomTypesStillTyped) {
    // Text parts with markers go to libmagic and are found, whatever their names.
    std::string script = mime_message({{"notes.txt", "text/plain", "#!/bin/sh\nrm -rf ~\n"}});
    auto msg = mime::parse_message(script);
    auto r = inspect_attachments(msg, {});
    ASSERT_TRUE(r.block_reason);
    EXPECT_NE(r.block_reason->find("text/x-shellscript"), std::string::npos);

    // With custom types every part is typed by libmagic: plain text is text/plain.
    std::string raw = mime_message({{"a.txt", "text/plain", "hello world\n"}});
    auto plain = mime::parse_message(raw);
    AttachmentPolicy policy;
    policy.custom_types = {"text/plain"};
    auto c = inspect_attachments(plain, policy);
    ASSERT_TRUE(c.block_reason);
    EXPECT_NE(c.block_reason->find("text/plain"), std::string::npos);
    EXPECT_FALSE(inspect_attachments(plain, {}).block_reason);
}

TEST(AttachmentSniff, LargeBase64ArchiveDecodedPastTheHead) {
    // A zip much larger than the head typed first, its program stored last: the whole part
    // must still be decoded to open it.
    std::mt19937 rng(3);
    std::string noise(300 << 10, '\0');
    for (auto& ch : noise) ch = static_cast<char>(rng());
    auto z = filter_test::zip({{"noise.bin", noise}, {"tools/run.sh", "#!/bin/sh\necho hi\n"}});
    ASSERT_GT(z.size(), size_t(kMagicBytes) * 4);
    std::string raw = mime_message({{"photos.zip", "application/zip", z}});
    auto msg = mime::parse_message(raw);
    auto r = inspect_attachments(msg, {});
    ASSERT_TRUE(r.block_reason);
    EXPECT_NE(r.block_reason->find("at tools/run.sh"), std::string::npos);
    EXPECT_FALSE(r.incomplete);
}

TEST(AttachmentSniff, PartBoundStillMarksIncomplete) {
    // Past max_part_bytes a base64 part is decoded up to the bound at once and flagged; the
    // head is still typed. Under the bound it is decoded lazily and not flagged.
    std::string elf = filter_test::read_file("/bin/ls");
    ASSERT_GT(elf.size(), 20000u);
    std::string raw = mime_message({{"report.pdf", "application/pdf", elf}});
    auto msg = mime::parse_message(raw);
    AttachmentLimits small;
    small.max_part_bytes = 10000;
    auto r = inspect_attachments(msg, {}, small);
    EXPECT_TRUE(r.incomplete);
    ASSERT_TRUE(r.block_reason);
    EXPECT_NE(r.block_reason->find("executable"), std::string::npos);
    AttachmentLimits roomy;
    roomy.max_part_bytes = elf.size() * 2;
    auto whole = inspect_attachments(msg, {}, roomy);
    EXPECT_FALSE(whole.incomplete);
    EXPECT_TRUE(whole.block_reason);
    // A part without transfer encoding is a view of the message, cut at the bound too.
    std::string text = "From: a@example.com\r\nSubject: t\r\n\r\n" + text_of(20000);
    auto plain = mime::parse_message(text);
    EXPECT_TRUE(inspect_attachments(plain, {}, small).incomplete);
    EXPECT_FALSE(inspect_attachments(plain, {}).incomplete);
}

}  // namespace
}  // namespace magpie::filter
