// Mailbox file formats: Maildir names and flags, dovecot-uidlist, dovecot-keywords,
// magpie-index, modified UTF-7 folder names.
#include <gtest/gtest.h>

#include "mailbox/flags.h"
#include "mailbox/folder_name.h"
#include "mailbox/index_file.h"
#include "mailbox/keywords.h"
#include "mailbox/uidlist.h"

namespace magpie::mailbox {
namespace {

TEST(MailboxFlags, ParseAndMakeNames) {
    MaildirName n = parse_maildir_name("123.M1P2.host,S=42:2,TSFab");
    EXPECT_EQ(n.base, "123.M1P2.host,S=42");
    EXPECT_EQ(n.flags, kDeleted | kSeen | kFlagged);
    EXPECT_EQ(n.keywords, 3u);
    EXPECT_EQ(make_maildir_name(n.base, n.flags, n.keywords), "123.M1P2.host,S=42:2,FSTab");
    EXPECT_EQ(make_maildir_name("x", 0, 0), "x:2,");
    EXPECT_EQ(parse_maildir_name("plain").base, "plain");
    EXPECT_EQ(size_from_name("1.M2.h,S=1355,W=1394").value(), 1355u);
    EXPECT_FALSE(size_from_name("1.M2.h").has_value());
    EXPECT_EQ(flag_from_imap("\\seen").value(), kSeen);
    EXPECT_FALSE(flag_from_imap("\\Recent").has_value());
    EXPECT_EQ(flags_to_imap(kSeen | kAnswered), "\\Answered \\Seen");
}

TEST(MailboxUidlist, ReadsDovecotVersion3) {
    Uidlist u;
    ASSERT_TRUE(
        u.parse("3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1\n"
                "25006 :1276528487.M364837P9451.kurkku,S=1355,W=1394:2,\n"
                "25017 W2481 :1276533073.M242911P3632.kurkku:2,F\n"));
    EXPECT_EQ(u.uidvalidity, 1275660208u);
    EXPECT_EQ(u.next_uid, 25022u);
    ASSERT_EQ(u.entries.size(), 2u);
    EXPECT_EQ(u.entries[1].uid, 25017u);
    EXPECT_EQ(u.entries[1].ext, "W2481");
    EXPECT_EQ(u.entries[1].filename, "1276533073.M242911P3632.kurkku:2,F");
    Uidlist again;
    ASSERT_TRUE(again.parse(u.serialize()));
    EXPECT_EQ(again.serialize(), u.serialize());
}

TEST(MailboxUidlist, Version1AndAppendedLinesAndTornTail) {
    Uidlist u;
    ASSERT_TRUE(u.parse("1 99 5\n3 a.b.c\n7 d.e.f:2,S\n9 torn"));
    EXPECT_EQ(u.uidvalidity, 99u);
    EXPECT_EQ(u.next_uid, 8u);  // lines appended after the header was written
    EXPECT_EQ(u.entries.size(), 2u);
    EXPECT_FALSE(u.parse("garbage\n"));
    EXPECT_FALSE(u.parse(""));
}

TEST(MailboxKeywords, InternFindSaveLoad) {
    std::string path = ::testing::TempDir() + "/kw-test";
    Keywords k;
    EXPECT_EQ(k.intern("$Junk").value(), 0);
    EXPECT_EQ(k.intern("Work").value(), 1);
    EXPECT_EQ(k.intern("$junk").value(), 0);
    k.save(path);
    Keywords l;
    l.load(path);
    EXPECT_EQ(l.find("work").value(), 1);
    EXPECT_EQ(l.names_of(3), (std::vector<std::string>{"$Junk", "Work"}));
    l.load(std::string(MAGPIE_TESTDATA_DIR) + "/mailbox/dovecot-keywords");
    EXPECT_EQ(l.find("NonJunk").value(), 1);
}

TEST(MailboxIndex, RoundTripAndCorruption) {
    IndexData d;
    d.uidvalidity = 7;
    d.highest_modseq = 100;
    d.expunge_floor = 3;
    d.records.push_back({1, 5, 10, 1000, 1001, false, "a:2,S", "(\"x\"\r\n\t\\)", "(body)"});
    d.records.push_back({4, 9, 20, 2000, 2001, true, "b", "", ""});
    d.expunged.push_back({2, 50});
    std::string s = serialize_index(d);
    auto back = parse_index(s);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(serialize_index(*back), s);
    EXPECT_EQ(back->records[0].envelope, "(\"x\"\r\n\t\\)");
    EXPECT_TRUE(back->records[1].in_new);
    std::string bad = s;
    bad[30] ^= 1;
    EXPECT_FALSE(parse_index(bad).has_value());
    EXPECT_FALSE(parse_index(s.substr(0, s.size() - 5)).has_value());
}

TEST(MailboxFolderName, ModifiedUtf7) {
    // RFC 3501 §5.1.3 example.
    EXPECT_EQ(
        mutf7_encode("~peter/mail/\xE5\x8F\xB0\xE5\x8C\x97/\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"),
        "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    EXPECT_EQ(mutf7_encode("A&B"), "A&-B");
    EXPECT_EQ(mutf7_encode("Entw\xC3\xBC"
                           "rfe"),
              "Entw&APw-rfe");
    EXPECT_EQ(mutf7_decode("Entw&APw-rfe").value(),
              "Entw\xC3\xBC"
              "rfe");
    EXPECT_EQ(mutf7_decode("&U,BTFw-").value(), "\xE5\x8F\xB0\xE5\x8C\x97");
    EXPECT_EQ(mutf7_decode("A&-B").value(), "A&B");
    EXPECT_FALSE(mutf7_decode("&U,BTFw").has_value());
    EXPECT_FALSE(mutf7_decode("&-&").has_value());
    std::string emoji = "\xF0\x9F\x93\xA7";  // U+1F4E7, a surrogate pair
    EXPECT_EQ(mutf7_decode(mutf7_encode(emoji)).value(), emoji);
}

TEST(MailboxFolderName, DirectoryMapping) {
    EXPECT_EQ(folder_dir_name("inbox"), "");
    EXPECT_EQ(folder_dir_name("Archive.2024"), ".Archive.2024");
    EXPECT_EQ(folder_dir_name("Entw\xC3\xBC"
                              "rfe"),
              ".Entw&APw-rfe");
    EXPECT_EQ(folder_from_dir_name(".Entw&APw-rfe").value(),
              "Entw\xC3\xBC"
              "rfe");
    EXPECT_FALSE(folder_from_dir_name("..").has_value());
    EXPECT_FALSE(folder_from_dir_name("cur").has_value());
    EXPECT_FALSE(valid_folder_name("a..b"));
    EXPECT_FALSE(valid_folder_name("a/b"));
    EXPECT_FALSE(valid_folder_name(".a"));
    EXPECT_TRUE(valid_folder_name("Archive.2024"));
}

}  // namespace
}  // namespace magpie::mailbox
