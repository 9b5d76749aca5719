// Mailbox file formats: Maildir names and flags, dovecot-uidlist, dovecot-keywords,
// magpie-index, magpie-cache, modified UTF-7 folder names.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/fs.h"
#include "mailbox/cache_file.h"
#include "mailbox/flags.h"
#include "mailbox/folder_name.h"
#include "mailbox/index_file.h"
#include "mailbox/keywords.h"
#include "mailbox/uidlist.h"
#include "temp_dir.h"

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
    d.modseq_reserved = 1000;
    d.records.push_back({1, 5, 10, 1000, 1001, false, "a\t\\:2,S"});
    d.records.push_back({4, 9, 20, 2000, 2001, true, "b"});
    d.expunged.push_back({2, 50});
    std::string s = serialize_index(d);
    auto back = parse_index(s);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(serialize_index(*back), s);
    EXPECT_EQ(back->records[0].filename, "a\t\\:2,S");
    EXPECT_EQ(back->modseq_reserved, 1000u);
    EXPECT_TRUE(back->records[1].in_new);
    std::string bad = s;
    bad[30] ^= 1;
    EXPECT_FALSE(parse_index(bad).has_value());
    EXPECT_FALSE(parse_index(s.substr(0, s.size() - 5)).has_value());
}

TEST(MailboxIndex, ReadsVersion1AndDropsItsStrings) {
    // Version 1 carried ENVELOPE and BODYSTRUCTURE strings and no reservation.
    std::string body =
        "magpie-index 1\nV7 H100 F3\nM\t1\t5\t10\t1000\t1001\tc\ta:2,S\t(env)\t(body)\n"
        "X\t2\t50\n";
    uint64_t h = 1469598103934665603ull;
    for (char c : body) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    char sum[32];
    std::snprintf(sum, sizeof sum, "Z\t%016llx\n", static_cast<unsigned long long>(h));
    auto d = parse_index(body + sum);
    ASSERT_TRUE(d.has_value());
    ASSERT_EQ(d->records.size(), 1u);
    EXPECT_EQ(d->records[0].filename, "a:2,S");
    EXPECT_EQ(d->modseq_reserved, 100u);  // version 1 was written durably each time
    EXPECT_EQ(serialize_index(*d).substr(0, 15), "magpie-index 2\n");
}

using CacheDir = magpie::test_util::TempDir;

TEST(MailboxCache, RoundTripOverrideAndForget) {
    CacheDir t;
    std::string path = t.path + "/magpie-cache";
    uint64_t ha = cache_name_hash("1.M1.host,S=10"), hb = cache_name_hash("2.M2.host,S=20");
    {
        MessageCache c(path);
        c.load(7);
        std::string_view hdr = "Subject: a\r\n\r\n";
        c.put_structure(1, ha, "(env a)", "(bs a)", &hdr);
        c.put_header(2, hb, std::string("Subject: b\r\n\r\n"));
        c.put_structure(2, hb, "(env b)", "(bs b)");
        c.flush();
        c.put_structure(1, ha, "(env a2)", "(bs a2)");  // overrides, header kept
        c.flush();
    }
    MessageCache c(path);
    c.load(7);
    EXPECT_EQ(c.structure(1, ha)->first, "(env a2)");
    EXPECT_EQ(c.header(1, ha).value(), "Subject: a\r\n\r\n");
    EXPECT_EQ(c.structure(2, hb)->second, "(bs b)");
    EXPECT_EQ(c.header(2, hb).value(), "Subject: b\r\n\r\n");
    // Another file under the same UID (never in one UIDVALIDITY, but checked): a miss.
    EXPECT_FALSE(c.structure(1, hb).has_value());
    EXPECT_FALSE(c.header(3, ha).has_value());
    c.forget({1});
    EXPECT_FALSE(c.structure(1, ha).has_value());
    // Too long a header block is not cached.
    c.put_header(4, ha, std::string(kMaxCachedHeader + 1, 'x'));
    EXPECT_FALSE(c.has_header(4, ha));
}

TEST(MailboxCache, OtherUidvalidityIsDiscarded) {
    CacheDir t;
    std::string path = t.path + "/magpie-cache";
    uint64_t h = cache_name_hash("1.M1.host");
    {
        MessageCache c(path);
        c.load(7);
        c.put_structure(1, h, "e", "b");
        c.flush();
    }
    MessageCache c(path);
    c.load(8);
    EXPECT_FALSE(c.structure(1, h).has_value());
    c.put_structure(2, h, "e2", "b2");
    c.flush();
    MessageCache d(path);
    d.load(8);
    EXPECT_FALSE(d.structure(1, h).has_value());
    EXPECT_EQ(d.structure(2, h)->first, "e2");
    // reset() (UIDVALIDITY changed under an open folder) drops all.
    d.reset(9);
    d.flush();
    MessageCache e(path);
    e.load(9);
    EXPECT_FALSE(e.structure(2, h).has_value());
}

TEST(MailboxCache, TornOrDamagedTailIsCutAndAppendedOver) {
    CacheDir t;
    std::string path = t.path + "/magpie-cache";
    uint64_t h = cache_name_hash("1.M1.host");
    {
        MessageCache c(path);
        c.load(7);
        c.put_structure(1, h, "env one", "bs one");
        c.put_structure(2, h, "env two", "bs two");
        c.flush();
    }
    std::string full = fs::read_file(path);
    for (int damage = 0; damage < 2; ++damage) {
        std::string d = full;
        if (damage == 0) {
            d.resize(d.size() - 3);  // torn last record
        } else {
            d[d.size() - 2] ^= 0x20;  // a changed byte in the last record's payload
        }
        fs::write_file_atomic(path, d);
        MessageCache c(path);
        c.load(7);
        EXPECT_EQ(c.structure(1, h)->first, "env one");
        EXPECT_FALSE(c.structure(2, h).has_value()) << damage;
        c.put_structure(3, h, "env three", "bs three");
        c.flush();
        MessageCache again(path);
        again.load(7);
        EXPECT_EQ(again.structure(1, h)->first, "env one");
        EXPECT_EQ(again.structure(3, h)->first, "env three") << damage;
    }
    // A damaged first record loses everything after it, nothing else.
    std::string d = full;
    d[30] ^= 1;
    fs::write_file_atomic(path, d);
    MessageCache c(path);
    c.load(7);
    EXPECT_FALSE(c.structure(1, h).has_value());
    fs::write_file_atomic(path, "garbage");
    MessageCache g(path);
    g.load(7);
    EXPECT_FALSE(g.structure(1, h).has_value());
}

TEST(MailboxCache, CompactsWhenMostlyDead) {
    CacheDir t;
    std::string path = t.path + "/magpie-cache";
    MessageCache c(path);
    c.load(7);
    std::string big(4000, 'h');
    std::vector<uint32_t> dead;
    for (uint32_t uid = 1; uid <= 2000; ++uid) {
        c.put_header(uid, cache_name_hash(std::to_string(uid)), big);
        if (uid % 10) dead.push_back(uid);
    }
    c.flush();
    size_t before = std::filesystem::file_size(path);
    c.forget(dead);
    c.flush();
    size_t after = std::filesystem::file_size(path);
    EXPECT_LT(after, before / 5);
    MessageCache d(path);
    d.load(7);
    EXPECT_EQ(d.header(10, cache_name_hash("10")).value(), big);
    EXPECT_FALSE(d.has_header(11, cache_name_hash("11")));
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
