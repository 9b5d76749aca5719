// FETCH executor: index items, BODY[section] and partials, HEADER.FIELDS, RFC822 items,
// bare-LF messages, vanished files and the folder's ENVELOPE/BODYSTRUCTURE cache.
#include <unistd.h>

#include "imap/session/index_items.h"
#include "imap_fetch_test_util.h"
#include "mailbox/flags.h"
#include "mime/imap_bodystructure.h"
#include "mime/imap_envelope.h"
#include "mime/parser.h"
#include "mime_test_util.h"

using namespace magpie;
using namespace magpie::imap;
using fetch_test::lit;
using fetch_test::Msg;
using fetch_test::response;

namespace {

const std::string kMixed =
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.com\r\n"
    "Subject: Hello\r\n"
    " world\r\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    "X-Dup: one\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "X-Dup: two\r\n"
    "\r\n"
    "preamble\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Caf=C3=A9 =\r\n"
    "au lait\r\n"
    "--b1\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAECAw==\r\n"
    "--b1\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: carol@example.com\r\n"
    "Subject: inner\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "inner body\r\n"
    "--b1\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Transfer-Encoding: x-uuencode\r\n"
    "\r\n"
    "begin 644 x\r\n"
    "--b1--\r\n";

const std::string kInner =
    "From: carol@example.com\r\n"
    "Subject: inner\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "inner body";

size_t header_end(const std::string& m) {
    return m.find("\r\n\r\n") + 4;
}

}  // namespace

TEST(ImapFetch, IndexItems) {
    Msg m("Subject: x\r\n\r\nbody\r\n");
    m.info.flags = mailbox::kSeen | mailbox::kAnswered | mailbox::kDraft | mailbox::kPassed;
    m.info.keywords = {"$Junk", "work"};
    m.info.save_date = 1700000060;
    EXPECT_EQ(m.fetch("(FLAGS UID RFC822.SIZE MODSEQ INTERNALDATE SAVEDATE THREADID)"),
              response("FLAGS (\\Answered \\Seen \\Draft $Junk work) UID 7 RFC822.SIZE 20 "
                       "MODSEQ (42) INTERNALDATE \"14-Nov-2023 22:13:20 +0000\" "
                       "SAVEDATE \"14-Nov-2023 22:14:20 +0000\" THREADID NIL"));
    m.info.save_date = 0;
    m.info.flags = 0;
    m.info.keywords.clear();
    EXPECT_EQ(m.fetch("(SAVEDATE FLAGS)"), response("SAVEDATE NIL FLAGS ()"));
}

TEST(ImapFetch, RecentOnlyForImap4rev1) {
    Msg m("x\r\n");
    m.info.flags = mailbox::kFlagged | mailbox::kDeleted;
    m.info.keywords = {"k"};
    FetchOptions opt;
    opt.recent = true;
    EXPECT_EQ(m.fetch("FLAGS", opt), response("FLAGS (\\Flagged \\Deleted \\Recent k)"));
    opt.imap4rev2 = true;
    EXPECT_EQ(m.fetch("FLAGS", opt), response("FLAGS (\\Flagged \\Deleted k)"));
}

TEST(ImapFetch, MacrosExpandInOrder) {
    Msg m(kMixed);
    std::string env = mime::envelope(mime::parse_message(kMixed).root.headers);
    EXPECT_EQ(m.fetch("FAST"), response("FLAGS () INTERNALDATE \"14-Nov-2023 22:13:20 +0000\" "
                                        "RFC822.SIZE " +
                                        std::to_string(kMixed.size())));
    EXPECT_EQ(m.fetch("ALL"), response("FLAGS () INTERNALDATE \"14-Nov-2023 22:13:20 +0000\" "
                                       "RFC822.SIZE " +
                                       std::to_string(kMixed.size()) + " ENVELOPE " + env));
}

TEST(ImapFetch, ImplicitUidModseqAndFlags) {
    Msg m("x\r\n");
    m.info.flags = mailbox::kSeen;
    FetchOptions opt;
    opt.uid = opt.modseq = opt.add_flags = true;
    EXPECT_EQ(m.fetch("RFC822.SIZE", opt),
              response("UID 7 MODSEQ (42) RFC822.SIZE 3 FLAGS (\\Seen)"));
    // Asked items are not repeated; they stay where they were asked.
    EXPECT_EQ(m.fetch("(FLAGS MODSEQ UID)", opt), response("FLAGS (\\Seen) MODSEQ (42) UID 7"));
}

TEST(ImapFetch, IndexItemsNeverOpenTheFile) {
    Msg m("x\r\n");
    m.info.path += ".gone";
    FetchError err;
    EXPECT_EQ(m.fetch("(FLAGS UID RFC822.SIZE EMAILID)", {}, &err).substr(0, 35),
              "* 1 FETCH (FLAGS () UID 7 RFC822.SI");
    EXPECT_EQ(err, FetchError::None);
}

TEST(ImapFetch, VanishedFileIsGoneAndAppendsNothing) {
    Msg m(kMixed);
    m.info.path += ".gone";
    for (const char* items : {"BODY[]", "(FLAGS ENVELOPE)", "BODYSTRUCTURE", "RFC822.HEADER",
                              "(UID BINARY[1])", "BODY.PEEK[HEADER.FIELDS (FROM)]"}) {
        MessageData md(m.info, nullptr);
        std::string out = "before";
        EXPECT_EQ(append_fetch(out, 1, md, fetch_test::atts(items), {}), FetchError::Gone) << items;
        EXPECT_EQ(out, "before");
    }
}

TEST(ImapFetch, EmailIdIsStableAcrossFlagsAndDirectories) {
    mailbox::MessageInfo a, b, c;
    a.path = "/m/cur/1700000000.M1P2Q3.host,S=10:2,S";
    b.path = "/m/new/1700000000.M1P2Q3.host,S=10";
    c.path = "/m/cur/1700000000.M1P2Q4.host,S=10:2,S";
    std::string ia, ib, ic;
    append_email_id(ia, a);
    append_email_id(ib, b);
    append_email_id(ic, c);
    EXPECT_EQ(ia, ib);
    EXPECT_NE(ia, ic);
    ASSERT_EQ(ia.size(), 17u);
    EXPECT_EQ(ia[0], 'M');
    EXPECT_EQ(ia.find_first_not_of("0123456789abcdef", 1), std::string::npos);
    Msg m("x\r\n");
    std::string id;
    append_email_id(id, m.info);
    EXPECT_EQ(m.fetch("EMAILID"), response("EMAILID (" + id + ")"));
}

TEST(ImapFetch, Rfc822SizeTakesDovecotsVirtualSize) {
    mailbox::MessageInfo i;
    i.size = 30;
    i.path = "/m/cur/1.M2.host,S=30,W=33:2,S";
    EXPECT_EQ(imap_size(i), 33u);
    i.path = "/m/cur/1.M2.host,S=30:2,W=1";  // W= after ':' is no size field
    EXPECT_EQ(imap_size(i), 30u);
}

TEST(ImapFetch, WholeMessageHeaderAndText) {
    Msg m(kMixed);
    size_t he = header_end(kMixed);
    EXPECT_EQ(m.fetch("BODY[]"), response("BODY[] " + lit(kMixed)));
    EXPECT_EQ(m.fetch("BODY.PEEK[HEADER]"), response("BODY[HEADER] " + lit(kMixed.substr(0, he))));
    EXPECT_EQ(m.fetch("BODY[TEXT]"), response("BODY[TEXT] " + lit(kMixed.substr(he))));
    EXPECT_EQ(m.fetch("(RFC822.HEADER RFC822.TEXT)"),
              response("RFC822.HEADER " + lit(kMixed.substr(0, he)) + " RFC822.TEXT " +
                       lit(kMixed.substr(he))));
    EXPECT_EQ(m.fetch("RFC822"), response("RFC822 " + lit(kMixed)));
}

TEST(ImapFetch, PartsNestedMessagesAndMime) {
    Msg m(kMixed);
    EXPECT_EQ(m.fetch("BODY[1]"), response("BODY[1] {20}\r\nCaf=C3=A9 =\r\nau lait"));
    EXPECT_EQ(m.fetch("BODY[1.MIME]"),
              response("BODY[1.MIME] " + lit("Content-Type: text/plain; charset=utf-8\r\n"
                                             "Content-Transfer-Encoding: quoted-printable\r\n"
                                             "\r\n")));
    EXPECT_EQ(m.fetch("BODY[2]"), response("BODY[2] {8}\r\nAAECAw=="));
    EXPECT_EQ(m.fetch("BODY[3]"), response("BODY[3] " + lit(kInner)));
    EXPECT_EQ(m.fetch("BODY[3.MIME]"),
              response("BODY[3.MIME] " + lit("Content-Type: message/rfc822\r\n\r\n")));
    EXPECT_EQ(m.fetch("BODY[3.HEADER]"),
              response("BODY[3.HEADER] " + lit(kInner.substr(0, kInner.size() - 10))));
    EXPECT_EQ(m.fetch("BODY[3.TEXT]"), response("BODY[3.TEXT] {10}\r\ninner body"));
    EXPECT_EQ(m.fetch("BODY[3.1]"), response("BODY[3.1] {10}\r\ninner body"));
    EXPECT_EQ(m.fetch("BODY[3.HEADER.FIELDS (subject)]"),
              response("BODY[3.HEADER.FIELDS (SUBJECT)] " + lit("Subject: inner\r\n\r\n")));
}

TEST(ImapFetch, NonexistentSectionsAreEmpty) {
    Msg m(kMixed);
    EXPECT_EQ(m.fetch("BODY[9]"), response("BODY[9] {0}\r\n"));
    EXPECT_EQ(m.fetch("BODY[3.2]"), response("BODY[3.2] {0}\r\n"));
    EXPECT_EQ(m.fetch("BODY[1.2]"), response("BODY[1.2] {0}\r\n"));
    EXPECT_EQ(m.fetch("BODY[1.HEADER]"), response("BODY[1.HEADER] {0}\r\n"));
    EXPECT_EQ(m.fetch("BODY[1.TEXT]"), response("BODY[1.TEXT] {0}\r\n"));
    EXPECT_EQ(m.fetch("BODY[2.HEADER.FIELDS (FROM)]"),
              response("BODY[2.HEADER.FIELDS (FROM)] {0}\r\n"));
    EXPECT_EQ(m.fetch("BINARY[7]"), response("BINARY[7] {0}\r\n"));
    EXPECT_EQ(m.fetch("BINARY.SIZE[7]"), response("BINARY.SIZE[7] 0"));
}

TEST(ImapFetch, PartOneOfALeafIsTheLeaf) {
    Msg m(kMixed);  // Dovecot answers BODY[1.1] with part 1 itself
    EXPECT_EQ(m.fetch("BODY[1.1]"), response("BODY[1.1] {20}\r\nCaf=C3=A9 =\r\nau lait"));
    EXPECT_EQ(m.fetch("BODY[1.1.1]"), response("BODY[1.1.1] {0}\r\n"));
    EXPECT_EQ(m.fetch("BINARY[2.1]"), response(std::string("BINARY[2.1] ~{4}\r\n\0\1\2\3", 22)));
}

TEST(ImapFetch, Partials) {
    Msg m(kMixed);
    EXPECT_EQ(m.fetch("BODY[HEADER]<0.4>"), response("BODY[HEADER]<0> {4}\r\nFrom"));
    EXPECT_EQ(m.fetch("BODY[1]<5.3>"), response("BODY[1]<5> {3}\r\n3=A"));
    EXPECT_EQ(m.fetch("BODY[1]<18.100>"), response("BODY[1]<18> {2}\r\nit"));
    EXPECT_EQ(m.fetch("BODY[1]<20.5>"), response("BODY[1]<20> {0}\r\n"));
    EXPECT_EQ(m.fetch("BODY[1]<4000000000.5>"), response("BODY[1]<4000000000> {0}\r\n"));
    EXPECT_EQ(m.fetch("BINARY[1]<3.2>"), response("BINARY[1]<3> ~{2}\r\n\xC3\xA9"));
    EXPECT_EQ(m.fetch("BODY[HEADER.FIELDS (TO)]<4.10>"),
              response("BODY[HEADER.FIELDS (TO)]<4> {10}\r\nbob@exampl"));
}

TEST(ImapFetch, HeaderFieldsKeepFoldingOrderAndDuplicates) {
    Msg m(kMixed);
    EXPECT_EQ(m.fetch("BODY.PEEK[HEADER.FIELDS (Subject X-Dup)]"),
              response("BODY[HEADER.FIELDS (SUBJECT X-DUP)] " +
                       lit("Subject: Hello\r\n world\r\nX-Dup: one\r\nX-Dup: two\r\n\r\n")));
    EXPECT_EQ(m.fetch("BODY.PEEK[HEADER.FIELDS.NOT (subject x-dup \"content-type\")]"),
              response("BODY[HEADER.FIELDS.NOT (SUBJECT X-DUP CONTENT-TYPE)] " +
                       lit("From: Alice <alice@example.com>\r\nTo: bob@example.com\r\n"
                           "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\r\n")));
    EXPECT_EQ(m.fetch("BODY.PEEK[HEADER.FIELDS.NOT (FROM TO SUBJECT DATE X-DUP MIME-VERSION "
                      "CONTENT-TYPE)]"),
              response("BODY[HEADER.FIELDS.NOT (FROM TO SUBJECT DATE X-DUP MIME-VERSION "
                       "CONTENT-TYPE)] {2}\r\n\r\n"));
    EXPECT_EQ(m.fetch("BODY.PEEK[HEADER.FIELDS (X-Absent)]"),
              response("BODY[HEADER.FIELDS (X-ABSENT)] {2}\r\n\r\n"));
}

TEST(ImapFetch, HeaderFieldsOfHeaderWithoutBlankLine) {
    Msg m("From: a@b\r\nSubject: s");
    EXPECT_EQ(m.fetch("BODY[HEADER.FIELDS (SUBJECT)]"),
              response("BODY[HEADER.FIELDS (SUBJECT)] " + lit("Subject: s\r\n\r\n")));
    EXPECT_EQ(m.fetch("BODY[HEADER.FIELDS.NOT (SUBJECT)]"),
              response("BODY[HEADER.FIELDS.NOT (SUBJECT)] " + lit("From: a@b\r\n")));
    EXPECT_EQ(m.fetch("BODY[HEADER.FIELDS.NOT (X)]"),
              response("BODY[HEADER.FIELDS.NOT (X)] " + lit("From: a@b\r\nSubject: s\r\n")));
    EXPECT_EQ(m.fetch("BODY[TEXT]"), response("BODY[TEXT] {0}\r\n"));
}

TEST(ImapFetch, EnvelopeBodyAndBodystructure) {
    Msg m(kMixed);
    mime::Message parsed = mime::parse_message(kMixed);
    EXPECT_EQ(m.fetch("(ENVELOPE BODY BODYSTRUCTURE)"),
              response("ENVELOPE " + mime::envelope(parsed.root.headers) + " BODY " +
                       mime::bodystructure(parsed, false) + " BODYSTRUCTURE " +
                       mime::bodystructure(parsed, true)));
}

TEST(ImapFetch, BareLfIsSentAsCrlf) {
    const std::string raw = "From: a@b\nSubject: lf\n folded\n\nline1\r\nline2\n\nend\n";
    std::string crlf;
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) crlf += '\r';
        crlf += raw[i];
    }
    Msg m(raw, "1.M1.host,S=" + std::to_string(raw.size()) + ",W=" + std::to_string(crlf.size()) +
                   ":2,S");
    EXPECT_EQ(m.fetch("(RFC822.SIZE BODY[])"),
              response("RFC822.SIZE " + std::to_string(crlf.size()) + " BODY[] " + lit(crlf)));
    size_t he = crlf.find("\r\n\r\n") + 4;
    EXPECT_EQ(m.fetch("BODY[TEXT]"), response("BODY[TEXT] " + lit(crlf.substr(he))));
    EXPECT_EQ(m.fetch("BODY[HEADER.FIELDS (SUBJECT)]"),
              response("BODY[HEADER.FIELDS (SUBJECT)] " + lit("Subject: lf\r\n folded\r\n\r\n")));
    EXPECT_EQ(m.fetch("BINARY.SIZE[1]"),
              response("BINARY.SIZE[1] " + std::to_string(crlf.size() - he)));
    // Every slice of the converted message, including ones that start or end between an
    // added CR and its LF.
    for (size_t o = 0; o <= crlf.size() + 1; ++o) {
        for (size_t n : {1, 2, 3, 7, 100}) {
            std::string items = "BODY[]<" + std::to_string(o) + "." + std::to_string(n) + ">";
            std::string part = o < crlf.size() ? crlf.substr(o, n) : "";
            std::string want = "BODY[]<" + std::to_string(o) + "> " + lit(part);
            ASSERT_EQ(m.fetch(items), response(want)) << items;
        }
    }
}

TEST(ImapFetch, NulInBodyIsSentAs0x80) {
    std::string m = mime_test::read_file(mime_test::testdata_dir() / "torture/nul_bytes.eml");
    Msg msg(m);
    EXPECT_EQ(msg.fetch("BODY[1]"), response("BODY[1] {12}\r\nbefore\x80"
                                             "after"));
    EXPECT_EQ(msg.fetch("BINARY[1]"),
              response(std::string("BINARY[1] ~{12}\r\nbefore\0after", 29)));
    EXPECT_EQ(msg.fetch("BINARY[1]<0.6>"), response("BINARY[1]<0> ~{6}\r\nbefore"));
    EXPECT_EQ(msg.fetch("BINARY[2]"), response(std::string("BINARY[2] ~{3}\r\n\0\0\0", 19)));
    // BODY[] alone is read straight into the response: the same rule applies there.
    std::string sent;
    for (char c : m) {
        if (c == '\n' && (sent.empty() || sent.back() != '\r')) sent += '\r';
        sent += c == '\0' ? '\x80' : c;
    }
    EXPECT_EQ(msg.fetch("BODY[]"), response("BODY[] " + lit(sent)));
    // With another file item the message is loaded first: the same bytes.
    std::string both = msg.fetch("(BODY[] RFC822.HEADER)");
    EXPECT_EQ(both.substr(0, both.find(" RFC822.HEADER")), "* 1 FETCH (BODY[] " + lit(sent));
}

TEST(ImapFetch, BinaryDecodesTransferEncodings) {
    Msg m(kMixed);
    EXPECT_EQ(m.fetch("BINARY[1]"), response("BINARY[1] ~{13}\r\nCaf\xC3\xA9 au lait"));
    EXPECT_EQ(m.fetch("BINARY.PEEK[2]"), response(std::string("BINARY[2] ~{4}\r\n\0\1\2\3", 20)));
    EXPECT_EQ(m.fetch("(BINARY.SIZE[1] BINARY.SIZE[2] BINARY.SIZE[3])"),
              response("BINARY.SIZE[1] 13 BINARY.SIZE[2] 4 BINARY.SIZE[3] " +
                       std::to_string(kInner.size())));
    EXPECT_EQ(m.fetch("BINARY[3]"), response("BINARY[3] " + lit(kInner)));
    EXPECT_EQ(m.fetch("BINARY[]"), response("BINARY[] " + lit(kMixed)));
}

TEST(ImapFetch, BinaryOfUnknownEncodingFails) {
    Msg m(kMixed);
    for (const char* items : {"BINARY[4]", "(FLAGS BINARY.SIZE[4])", "BINARY.PEEK[4]<0.1>"}) {
        FetchError err;
        EXPECT_EQ(m.fetch(items, {}, &err), "") << items;
        EXPECT_EQ(err, FetchError::UnknownCte) << items;
    }
    EXPECT_EQ(m.fetch("BODY[4]"), response("BODY[4] {11}\r\nbegin 644 x"));
}

TEST(ImapFetch, QuotedPrintableWithBareLf) {
    Msg m("Content-Transfer-Encoding: quoted-printable\n\na=3Db\nc =\nd\n");
    EXPECT_EQ(m.fetch("(BINARY[1] BINARY.SIZE[1])"),
              response("BINARY[1] ~{10}\r\na=b\r\nc d\r\n BINARY.SIZE[1] 10"));
}

TEST(ImapFetch, SeenAndFileNeeds) {
    using fetch_test::atts;
    EXPECT_TRUE(fetch_sets_seen(atts("BODY[]")));
    EXPECT_TRUE(fetch_sets_seen(atts("(FLAGS BINARY[1])")));
    EXPECT_TRUE(fetch_sets_seen(atts("RFC822")));
    EXPECT_TRUE(fetch_sets_seen(atts("RFC822.TEXT")));
    EXPECT_FALSE(fetch_sets_seen(atts("(BODY.PEEK[] BINARY.PEEK[1] BINARY.SIZE[1])")));
    EXPECT_FALSE(fetch_sets_seen(atts("(RFC822.HEADER RFC822.SIZE BODY BODYSTRUCTURE ENVELOPE)")));
    EXPECT_FALSE(
        fetch_needs_file(atts("(FLAGS UID INTERNALDATE RFC822.SIZE MODSEQ SAVEDATE "
                              "EMAILID THREADID)")));
    EXPECT_FALSE(fetch_needs_file(atts("FAST")));
    for (const char* items : {"ENVELOPE", "BODY", "BODYSTRUCTURE", "BODY.PEEK[HEADER]", "BINARY[1]",
                              "BINARY.SIZE[1]", "RFC822", "RFC822.HEADER", "RFC822.TEXT", "ALL"})
        EXPECT_TRUE(fetch_needs_file(atts(items))) << items;
}

TEST(ImapFetch, FolderCacheServesEnvelopeWithoutTheFile) {
    fetch_test::TempDir t;
    mailbox::Folder f(t.path + "/INBOX", "host");
    uint32_t uid = f.append({kMixed, mailbox::kSeen, {"$Junk"}, 1700000000});
    mailbox::MessageInfo info = f.message(uid).value();
    mime::Message parsed = mime::parse_message(kMixed);
    std::string want =
        response("FLAGS (\\Seen $Junk) ENVELOPE " + mime::envelope(parsed.root.headers) +
                 " BODYSTRUCTURE " + mime::bodystructure(parsed, true));
    auto fetch = [&](std::string_view items, FetchError want_err = FetchError::None) {
        MessageData md(info, &f);
        std::string out;
        EXPECT_EQ(append_fetch(out, 1, md, fetch_test::atts(items), {}), want_err) << items;
        return out;
    };
    EXPECT_EQ(fetch("(FLAGS ENVELOPE BODYSTRUCTURE)"), want);
    auto cached = f.cached(uid);
    ASSERT_TRUE(cached);
    EXPECT_EQ(cached->first, mime::envelope(parsed.root.headers));
    EXPECT_EQ(cached->second, mime::bodystructure(parsed, true));

    ASSERT_EQ(::unlink(info.path.c_str()), 0);
    EXPECT_EQ(fetch("(FLAGS ENVELOPE BODYSTRUCTURE)"), want);
    EXPECT_EQ(fetch("(ENVELOPE BODY[])", FetchError::Gone), "");
}

TEST(ImapFetch, CacheIsWrittenWhenTheFolderCloses) {
    fetch_test::TempDir t;
    std::string env;
    {
        mailbox::Folder f(t.path, "host");
        for (int i = 0; i < 3; ++i) f.append({kMixed, 0, {}, 1700000000});
        for (const auto& info : f.messages()) {
            MessageData md(info, &f);
            std::string out;
            ASSERT_EQ(append_fetch(out, 1, md, fetch_test::atts("ENVELOPE"), {}), FetchError::None);
        }
    }
    mailbox::Folder f(t.path, "host");
    for (uint32_t uid = 1; uid <= 3; ++uid) EXPECT_TRUE(f.cached(uid)) << uid;
}

TEST(ImapFetch, HeaderOnlyPathMatchesTreePath) {
    // Top-level items are served from a header-only parse unless another item needs the
    // MIME tree; both must give the same bytes.
    const std::string items =
        "BODY.PEEK[HEADER] BODY.PEEK[TEXT] ENVELOPE RFC822.HEADER "
        "BODY.PEEK[HEADER.FIELDS (FROM SUBJECT CONTENT-TYPE)] "
        "BODY.PEEK[HEADER.FIELDS.NOT (FROM SUBJECT)] BODY.PEEK[]<1.50>";
    size_t n = 0;
    for (const auto& file : mime_test::corpus_files()) {
        std::string data = mime_test::read_file(file.path);
        Msg m(data);
        std::string alone = m.fetch("(" + items + ")");
        std::string with_tree = m.fetch("(" + items + " BODY[1]<0.1>)");
        ASSERT_EQ(with_tree.substr(0, alone.size() - 3), alone.substr(0, alone.size() - 3))
            << file.label;
        std::string whole = m.fetch("BODY.PEEK[]");
        size_t sent = mime::count_lines(data).crlf_size(data.size());
        std::string prefix = "* 1 FETCH (BODY[] {" + std::to_string(sent) + "}\r\n";
        EXPECT_EQ(whole.substr(0, prefix.size()), prefix) << file.label;
        ++n;
    }
    EXPECT_GT(n, 10u);
}

TEST(ImapFetch, HeaderItemsFromTheCachedHeaderBlockMatchTheFile) {
    // Header-only items come from magpie-cache once the header block is cached (by a first
    // header FETCH or by ENVELOPE); the answers must be the file's, byte for byte.
    const std::string items =
        "(BODY.PEEK[HEADER] RFC822.HEADER BODY.PEEK[HEADER.FIELDS (FROM SUBJECT CONTENT-TYPE)] "
        "BODY.PEEK[HEADER.FIELDS.NOT (FROM SUBJECT)] BODY.PEEK[HEADER]<2.20> UID)";
    fetch_test::TempDir t;
    mailbox::Folder f(t.path, "host");
    size_t n = 0;
    for (const auto& file : mime_test::corpus_files()) {
        std::string data = mime_test::read_file(file.path);
        std::string want = Msg(data).fetch(items);
        for (const char* first : {"BODY.PEEK[HEADER.FIELDS (TO)]", "ENVELOPE"}) {
            uint32_t uid = f.append({data, 0, {}, 1700000000});
            mailbox::MessageInfo info = f.message(uid).value();
            auto fetch = [&](std::string_view what) {
                MessageData md(info, &f);
                std::string out;
                EXPECT_EQ(append_fetch(out, 1, md, fetch_test::atts(what), {}), FetchError::None);
                return out;
            };
            fetch(first);
            ASSERT_TRUE(f.cached_header(uid)) << file.label << " " << first;
            ASSERT_EQ(::unlink(info.path.c_str()), 0);
            std::string got = fetch(items);
            // "UID n" differs from the file-only answer's UID 7.
            std::string uid_item = "UID " + std::to_string(uid) + ")";
            ASSERT_TRUE(got.ends_with(uid_item + "\r\n")) << got;
            EXPECT_EQ(got.substr(0, got.size() - uid_item.size() - 2),
                      want.substr(0, want.size() - 8))
                << file.label << " " << first;
        }
        ++n;
    }
    EXPECT_GT(n, 10u);
}
