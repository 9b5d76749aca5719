// SEARCH execution: every key kind (match and non-match), charsets, RFC 2047 and MIME
// decoding, NOT/OR nesting, "$"; plus the case folding and Date: parsing it relies on.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>

#include "imap/proto/command.h"
#include "imap/session/casefold.h"
#include "imap/session/search.h"
#include "imap/session/sent_date.h"
#include "imap_test_messages.h"
#include "mailbox/flags.h"

using namespace magpie;
using namespace magpie::imap;
using Seqs = std::vector<uint32_t>;

namespace {

const char* kPlain =
    "From: \"Alice Example\" <alice@example.com>\n"
    "To: Bob <bob@example.org>\n"
    "Cc: carol@example.net, Eve <eve@xn--mnchen-3ya.example>\n"
    "Bcc: dave@example.com\n"
    "Subject: Quarterly report\n"
    "Date: Mon, 1 Jan 2024 00:30:00 +0100\n"
    "Message-ID: <one@example.com>\n"
    "\n"
    "The numbers look good.\n";

const char* kLatin1 =
    "From: =?UTF-8?Q?Jos=C3=A9_M=C3=BCller?= <jose@example.es>\n"
    "To: undisclosed-recipients:;\n"
    "Subject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=\n"
    "Date: 2 Jan 2024 23:30:00 -0500\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Gr=FC=DFe aus M=FCnchen\n";

const char* kAlternative =
    "From: greek@example.gr\n"
    "Subject: =?UTF-8?B?zprOsc67zrfOvM6tz4HOsQ==?=\n"
    "Content-Type: multipart/alternative; boundary=\"b1\"\n"
    "\n"
    "--b1\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "zprOsc67zrfOvM6tz4HOsSDOus+Mz4POvM61Cg==\n"
    "--b1\n"
    "Content-Type: text/html; charset=utf-8\n"
    "\n"
    "<html><body><p>Hidden <b>html</b> only&amp;more</p></body></html>\n"
    "--b1--\n";

const char* kHtmlAttachment =
    "From: noreply@shop.example\n"
    "Subject: Your order\n"
    "X-Custom: yes\n"
    "Content-Type: multipart/mixed; boundary=\"b2\"\n"
    "\n"
    "--b2\n"
    "Content-Type: text/html\n"
    "\n"
    "<p>Order <i>shipped</i></p>\n"
    "--b2\n"
    "Content-Type: application/octet-stream\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "c2VjcmV0d29yZCBpbnNpZGUK\n"
    "--b2--\n";

const char* kForward =
    "From: fwd@example.com\n"
    "Subject: Fwd: see attached\n"
    "Content-Type: multipart/mixed; boundary=\"b3\"\n"
    "\n"
    "--b3\n"
    "Content-Type: text/plain\n"
    "\n"
    "See below.\n"
    "--b3\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: inner@example.com\n"
    "Subject: Inner topic\n"
    "\n"
    "Inner body words.\n"
    "--b3--\n";

// Five messages: seq i has UID 10*i, size 100*i, modseq 10*i.
void fill(imap_test::MessageBox& box) {
    for (const char* m : {kPlain, kLatin1, kAlternative, kHtmlAttachment, kForward}) box.add(m);
    for (size_t i = 1; i <= 5; ++i) {
        box.info(i).size = 100 * i;
        box.info(i).modseq = 10 * i;
    }
    box.info(1).flags = mailbox::kSeen | mailbox::kAnswered;
    box.info(2).flags = mailbox::kFlagged | mailbox::kDraft;
    box.info(3).flags = mailbox::kDeleted | mailbox::kSeen;
    box.info(4).keywords = {"$Junk"};
}

// A literal, so 8-bit search strings reach the parser as they are.
std::string lit(const std::string& s) {
    return "{" + std::to_string(s.size()) + "+}\r\n" + s;
}

SearchKey parse_program(const std::string& program) {
    ParseResult r = parse_command("A SEARCH " + program + "\r\n");
    EXPECT_TRUE(r.command) << program << ": " << r.error;
    return r.command ? r.command->as<SearchArgs>().key : SearchKey{};
}

Seqs search(imap_test::MessageBox& box, const std::string& program, SearchContext ctx = {},
            const std::string& charset = "") {
    SearchKey key = parse_program(program);
    EXPECT_TRUE(prepare_search(key, charset));
    auto& msgs = box.msgs();
    ctx.max_seq = static_cast<uint32_t>(msgs.size());
    ctx.max_uid = msgs.empty() ? 0 : msgs.back().info().uid;
    return run_search(key, msgs, ctx);
}

class SearchExec : public ::testing::Test {
  protected:
    void SetUp() override { fill(box); }
    Seqs s(const std::string& program, const SearchContext& ctx = {}) {
        return search(box, program, ctx);
    }
    imap_test::MessageBox box;
};

TEST_F(SearchExec, SystemFlagsAndKeywords) {
    EXPECT_EQ(s("ALL"), (Seqs{1, 2, 3, 4, 5}));
    EXPECT_EQ(s("SEEN"), (Seqs{1, 3}));
    EXPECT_EQ(s("UNSEEN"), (Seqs{2, 4, 5}));
    EXPECT_EQ(s("ANSWERED"), (Seqs{1}));
    EXPECT_EQ(s("UNANSWERED"), (Seqs{2, 3, 4, 5}));
    EXPECT_EQ(s("DELETED"), (Seqs{3}));
    EXPECT_EQ(s("UNDELETED"), (Seqs{1, 2, 4, 5}));
    EXPECT_EQ(s("DRAFT"), (Seqs{2}));
    EXPECT_EQ(s("UNDRAFT"), (Seqs{1, 3, 4, 5}));
    EXPECT_EQ(s("FLAGGED"), (Seqs{2}));
    EXPECT_EQ(s("UNFLAGGED"), (Seqs{1, 3, 4, 5}));
    EXPECT_EQ(s("KEYWORD $junk"), (Seqs{4}));
    EXPECT_EQ(s("KEYWORD $Other"), (Seqs{}));
    EXPECT_EQ(s("UNKEYWORD $Junk"), (Seqs{1, 2, 3, 5}));
}

TEST_F(SearchExec, RecentNewOld) {
    SearchContext ctx;
    ctx.is_recent = [](uint32_t uid) { return uid == 20 || uid == 30; };
    EXPECT_EQ(s("RECENT", ctx), (Seqs{2, 3}));
    EXPECT_EQ(s("NEW", ctx), (Seqs{2}));
    EXPECT_EQ(s("OLD", ctx), (Seqs{1, 4, 5}));
    EXPECT_EQ(s("RECENT"), (Seqs{}));
    EXPECT_EQ(s("OLD"), (Seqs{1, 2, 3, 4, 5}));
}

TEST_F(SearchExec, SequenceAndUidSets) {
    EXPECT_EQ(s("2:*"), (Seqs{2, 3, 4, 5}));
    EXPECT_EQ(s("*"), (Seqs{5}));
    EXPECT_EQ(s("4:2"), (Seqs{2, 3, 4}));
    EXPECT_EQ(s("1,3"), (Seqs{1, 3}));
    EXPECT_EQ(s("UID 20,40:*"), (Seqs{2, 4, 5}));
    EXPECT_EQ(s("UID *"), (Seqs{5}));
    EXPECT_EQ(s("UID 1:9"), (Seqs{}));
}

TEST_F(SearchExec, SavedResultDollar) {
    std::vector<uint32_t> saved = {50, 30};
    SearchContext ctx;
    ctx.saved_uids = &saved;
    EXPECT_EQ(s("$", ctx), (Seqs{3, 5}));
    EXPECT_EQ(s("1,$", ctx), (Seqs{1, 3, 5}));
    EXPECT_EQ(s("UID $", ctx), (Seqs{3, 5}));
    EXPECT_EQ(s("NOT $", ctx), (Seqs{1, 2, 4}));
    EXPECT_EQ(s("$"), (Seqs{}));
}

TEST_F(SearchExec, SizeModseqAndAge) {
    EXPECT_EQ(s("LARGER 300"), (Seqs{4, 5}));
    EXPECT_EQ(s("SMALLER 300"), (Seqs{1, 2}));
    EXPECT_EQ(s("MODSEQ 30"), (Seqs{3, 4, 5}));
    EXPECT_EQ(s("MODSEQ \"/flags/\\\\draft\" all 40"), (Seqs{4, 5}));
    SearchContext ctx;
    ctx.now = 1800000000;
    int64_t ages[] = {100, 3600, 7200, 10, 86400};
    for (size_t i = 0; i < 5; ++i) box.info(i + 1).internal_date = ctx.now - ages[i];
    EXPECT_EQ(s("YOUNGER 3600", ctx), (Seqs{1, 4}));
    EXPECT_EQ(s("OLDER 3600", ctx), (Seqs{2, 3, 5}));
}

TEST_F(SearchExec, ObjectIdsMatchNothing) {
    EXPECT_EQ(s("EMAILID M6d99ac3275bb4e"), (Seqs{}));
    EXPECT_EQ(s("THREADID T64b478a75b7ea9"), (Seqs{}));
    EXPECT_EQ(s("NOT EMAILID M1"), (Seqs{1, 2, 3, 4, 5}));
}

TEST_F(SearchExec, AddressKeys) {
    EXPECT_EQ(s("FROM alice"), (Seqs{1}));
    EXPECT_EQ(s("FROM \"ALICE EXAMPLE\""), (Seqs{1}));
    EXPECT_EQ(s("FROM example.com"), (Seqs{1, 5}));
    EXPECT_EQ(s("FROM " + lit("MÜLLER")), (Seqs{2}));
    EXPECT_EQ(s("FROM " + lit("josé m")), (Seqs{2}));
    EXPECT_EQ(s("FROM inner"), (Seqs{}));
    EXPECT_EQ(s("TO bob"), (Seqs{1}));
    EXPECT_EQ(s("TO undisclosed"), (Seqs{2}));
    EXPECT_EQ(s("CC carol"), (Seqs{1}));
    EXPECT_EQ(s("CC bob"), (Seqs{}));
    EXPECT_EQ(s("CC " + lit("eve@münchen")), (Seqs{1}));  // IDN domain decoded
    EXPECT_EQ(s("BCC dave@EXAMPLE.com"), (Seqs{1}));
    EXPECT_EQ(s("BCC alice"), (Seqs{}));
}

TEST_F(SearchExec, SubjectAndHeader) {
    EXPECT_EQ(s("SUBJECT quarterly"), (Seqs{1}));
    EXPECT_EQ(s("SUBJECT " + lit("CAFÉ CRÈME")), (Seqs{2}));
    EXPECT_EQ(s("SUBJECT " + lit("ΚΑΛΗΜΈΡΑ")), (Seqs{3}));
    EXPECT_EQ(s("SUBJECT inner"), (Seqs{}));
    EXPECT_EQ(s("HEADER X-Custom \"\""), (Seqs{4}));
    EXPECT_EQ(s("HEADER x-custom YES"), (Seqs{4}));
    EXPECT_EQ(s("HEADER X-Custom no"), (Seqs{}));
    EXPECT_EQ(s("HEADER Message-ID \"<one@\""), (Seqs{1}));
    EXPECT_EQ(s("HEADER X-Missing \"\""), (Seqs{}));
}

TEST_F(SearchExec, BodyDecodesEveryTextPart) {
    EXPECT_EQ(s("BODY " + lit("grüße")), (Seqs{2}));            // quoted-printable Latin-1
    EXPECT_EQ(s("BODY " + lit("MÜNCHEN")), (Seqs{2}));          // case-folded
    EXPECT_EQ(s("BODY " + lit("καλημέρα κόσμε")), (Seqs{3}));   // base64 UTF-8
    EXPECT_EQ(s("BODY \"hidden html only&more\""), (Seqs{3}));  // the HTML alternative
    EXPECT_EQ(s("BODY shipped"), (Seqs{4}));                    // HTML-only part
    EXPECT_EQ(s("BODY secretword"), (Seqs{}));                  // not in binary attachments
    EXPECT_EQ(s("BODY \"inner topic\""), (Seqs{5}));            // attached message's header
    EXPECT_EQ(s("BODY \"inner body words\""), (Seqs{5}));
    EXPECT_EQ(s("BODY quarterly"), (Seqs{}));  // BODY skips the header
    EXPECT_EQ(s("BODY \"numbers look\""), (Seqs{1}));
    EXPECT_EQ(s("BODY <p>"), (Seqs{}));  // tags are not text
}

TEST_F(SearchExec, TextCoversHeaderAndBody) {
    EXPECT_EQ(s("TEXT quarterly"), (Seqs{1}));
    EXPECT_EQ(s("TEXT NUMBERS"), (Seqs{1}));
    EXPECT_EQ(s("TEXT \"x-custom: yes\""), (Seqs{4}));
    EXPECT_EQ(s("TEXT " + lit("café")), (Seqs{2}));
    EXPECT_EQ(s("TEXT example"), (Seqs{1, 2, 3, 4, 5}));
    EXPECT_EQ(s("TEXT nothing-here"), (Seqs{}));
    EXPECT_EQ(s("TEXT \"\""), (Seqs{1, 2, 3, 4, 5}));
}

TEST_F(SearchExec, NotOrAndNesting) {
    EXPECT_EQ(s("OR SEEN FLAGGED"), (Seqs{1, 2, 3}));
    EXPECT_EQ(s("NOT (SEEN FROM alice)"), (Seqs{2, 3, 4, 5}));
    EXPECT_EQ(s("OR (NOT SEEN) (BODY numbers)"), (Seqs{1, 2, 4, 5}));
    EXPECT_EQ(s("NOT OR SEEN FLAGGED"), (Seqs{4, 5}));
    EXPECT_EQ(s("(OR DELETED DRAFT) NOT TEXT " + lit("crème")), (Seqs{3}));
    EXPECT_EQ(s("OR NOT SUBJECT " + lit("café") + " DRAFT"), (Seqs{1, 2, 3, 4, 5}));
    EXPECT_EQ(s("NOT NOT UID 30"), (Seqs{3}));
    EXPECT_EQ(s("BODY numbers SEEN UID 1:*"), (Seqs{1}));
}

TEST_F(SearchExec, SentDatesUseTheDateFieldsOwnZone) {
    // Seq 1 was sent 1 Jan 00:30 +0100 (31 Dec in UTC); seq 2 on 2 Jan 23:30 -0500.
    EXPECT_EQ(s("SENTON 1-Jan-2024"), (Seqs{1}));
    EXPECT_EQ(s("SENTON 2-Jan-2024"), (Seqs{2}));
    EXPECT_EQ(s("SENTON 31-Dec-2023"), (Seqs{}));
    EXPECT_EQ(s("SENTBEFORE 2-Jan-2024"), (Seqs{1}));
    EXPECT_EQ(s("SENTSINCE 2-Jan-2024"), (Seqs{2}));
    EXPECT_EQ(s("NOT SENTON 1-Jan-2024"), (Seqs{2, 3, 4, 5}));
}

TEST_F(SearchExec, CharsetConversion) {
    EXPECT_EQ(search(box, "SUBJECT " + lit("caf\xe9"), {}, "ISO-8859-1"), (Seqs{2}));
    EXPECT_EQ(search(box,
                     "BODY " + lit("GR\xdc\xdf"
                                   "E"),
                     {}, "iso-8859-1"),
              (Seqs{2}));
    EXPECT_EQ(search(box, "HEADER Subject " + lit("cr\xe8me"), {}, "ISO-8859-1"), (Seqs{2}));
    // Unconverted, the Latin-1 byte matches nothing.
    EXPECT_EQ(search(box, "SUBJECT " + lit("caf\xe9")), (Seqs{}));
    EXPECT_EQ(search(box, "SUBJECT " + lit("caf\xc3\xa9"), {}, "UTF-8"), (Seqs{2}));
    SearchKey key = parse_program("SUBJECT x");
    EXPECT_FALSE(prepare_search(key, "X-NO-SUCH-CHARSET"));
    EXPECT_TRUE(prepare_search(key, "us-ascii"));
}

TEST_F(SearchExec, SearchMatchesOneMessage) {
    SearchKey key = parse_program("FROM alice SEEN");
    SearchContext ctx;
    auto& msgs = box.msgs();
    EXPECT_TRUE(search_matches(key, 1, msgs[0], ctx));
    EXPECT_FALSE(search_matches(key, 3, msgs[2], ctx));
}

TEST_F(SearchExec, MissingFileMatchesNoTextKey) {
    box.info(1).path += ".gone";
    EXPECT_EQ(s("SEEN"), (Seqs{1, 3}));
    EXPECT_EQ(s("TEXT numbers"), (Seqs{}));
    EXPECT_EQ(s("BODY numbers"), (Seqs{}));
}

TEST(SearchDates, InternalDatesCompareLocalDays) {
    imap_test::MessageBox box;
    for (int i = 0; i < 3; ++i) box.add("Subject: x\n\nx\n");
    box.info(1).internal_date = imap_test::local_time(2024, 3, 10, 0, 0);
    box.info(2).internal_date = imap_test::local_time(2024, 3, 10, 23, 59);
    box.info(3).internal_date = imap_test::local_time(2024, 3, 11, 0, 0);
    EXPECT_EQ(search(box, "ON 10-Mar-2024"), (Seqs{1, 2}));
    EXPECT_EQ(search(box, "BEFORE 11-Mar-2024"), (Seqs{1, 2}));
    EXPECT_EQ(search(box, "BEFORE 10-Mar-2024"), (Seqs{}));
    EXPECT_EQ(search(box, "SINCE 11-Mar-2024"), (Seqs{3}));
    EXPECT_EQ(search(box, "SINCE 10-Mar-2024"), (Seqs{1, 2, 3}));
}

TEST(SearchDates, SaveDatesFallBackToInternalDate) {
    imap_test::MessageBox box;
    for (int i = 0; i < 3; ++i) box.add("Subject: x\n\nx\n");
    box.info(1).save_date = imap_test::local_time(2024, 5, 1);
    box.info(2).save_date = imap_test::local_time(2024, 5, 3);
    box.info(3).internal_date = imap_test::local_time(2024, 5, 2);
    EXPECT_EQ(search(box, "SAVEDATEON 2-May-2024"), (Seqs{3}));
    EXPECT_EQ(search(box, "SAVEDATEBEFORE 2-May-2024"), (Seqs{1}));
    EXPECT_EQ(search(box, "SAVEDATESINCE 2-May-2024"), (Seqs{2, 3}));
    EXPECT_EQ(search(box, "SAVEDATESUPPORTED"), (Seqs{1, 2, 3}));
}

// The server's zone decides which day an INTERNALDATE falls on.
TEST(SearchDates, ServerTimeZone) {
    std::optional<std::string> old;
    if (const char* tz = std::getenv("TZ")) old = tz;
    imap_test::MessageBox box;
    box.add("Subject: x\n\nx\n");
    box.info(1).internal_date = 1704139200;  // 2024-01-01 20:00 UTC
    ::setenv("TZ", "XST-10", 1);             // UTC+10: 2 Jan, 06:00
    ::tzset();
    Seqs east = search(box, "ON 2-Jan-2024");
    ::setenv("TZ", "UTC0", 1);
    ::tzset();
    Seqs utc = search(box, "ON 2-Jan-2024");
    if (old)
        ::setenv("TZ", old->c_str(), 1);
    else
        ::unsetenv("TZ");
    ::tzset();
    EXPECT_EQ(east, (Seqs{1}));
    EXPECT_EQ(utc, (Seqs{}));
}

TEST(SearchCaseFold, LatinGreekCyrillic) {
    EXPECT_EQ(fold("Hello WORLD 123"), "hello world 123");
    // Long ASCII runs are folded 8 bytes at a time; the letters' neighbours stay.
    EXPECT_EQ(fold("@AZ[`az{ ABCDEFGHIJKLMNOPQRSTUVWXYZ\x7f ÉTÉ MIXED"),
              "@az[`az{ abcdefghijklmnopqrstuvwxyz\x7f été mixed");
    EXPECT_EQ(fold("ÀÉÎÕÜ Ø Þ ×"), "àéîõü ø þ ×");
    EXPECT_EQ(fold("ŁÓDŹ ŠKODA Ÿ"), "łódź škoda ÿ");
    EXPECT_EQ(fold("ΣΊΣΥΦΟΣ ς"), "σίσυφοσ σ");
    EXPECT_EQ(fold("ПРИВЕТ ЁЖ Ѣ"), "привет ёж ѣ");
    EXPECT_EQ(fold("İ ẞ \u212A Ạ"), "i ß k ạ");  // Kelvin sign
    EXPECT_EQ(fold("日本語"), "日本語");
    EXPECT_EQ(fold("a\xff\xc3"), "a\xff\xc3");  // invalid bytes pass through
}

TEST(SearchSentDate, ParsesRfc5322Dates) {
    auto d = parse_rfc5322_date("Tue, 1 Jul 2003 10:52:37 +0200 (CEST)");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->utc, 1057049557);
    EXPECT_EQ(d->tz_minutes, 120);
    d = parse_rfc5322_date("1 Jul 03 10:52 GMT");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->utc, 1057056720);
    d = parse_rfc5322_date("Tuesday, Jul 1 2003 10:52:37 EDT");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->utc, 1057071157);
    EXPECT_EQ(d->tz_minutes, -240);
    d = parse_rfc5322_date("Fri, 1 Jan 99");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->utc, 915148800);
    EXPECT_FALSE(parse_rfc5322_date("not a date"));
    EXPECT_FALSE(parse_rfc5322_date("31 Feb 2024 10:00:00 +0000"));
    EXPECT_FALSE(parse_rfc5322_date(""));
}

}  // namespace
