// Unit tests for the SEARCH/SORT/THREAD and FETCH argument parsers.
#include <gtest/gtest.h>

#include <string>

#include "imap/proto/command.h"

using namespace magpie::imap;

namespace {

Command parse_ok(std::string_view line) {
    std::string raw(line);
    raw += "\r\n";
    ParseResult r = parse_command(raw);
    EXPECT_TRUE(r.command && r.error.empty()) << line << ": " << r.error;
    return r.command ? *r.command : Command{};
}

bool fails(std::string_view line) {
    std::string raw(line);
    raw += "\r\n";
    return !parse_command(raw).command;
}

const SearchKey& first_key(const Command& c) {
    return c.as<SearchArgs>().key.children.at(0);
}

}  // namespace

TEST(ImapSearch, EveryKeyParses) {
    const char* keys[] = {
        "ALL",
        "ANSWERED",
        "BCC x",
        "BEFORE 1-Feb-1994",
        "BODY \"a b\"",
        "CC x",
        "DELETED",
        "DRAFT",
        "FLAGGED",
        "FROM {1+}\r\nx",
        "HEADER Message-ID <a@b>",
        "KEYWORD $Junk",
        "LARGER 100",
        "NEW",
        "NOT SEEN",
        "OLD",
        "ON \"01-Jan-2020\"",
        "OR SEEN DRAFT",
        "RECENT",
        "SEEN",
        "SENTBEFORE 1-Jan-2020",
        "SENTON 1-Jan-2020",
        "SENTSINCE 1-Jan-2020",
        "SINCE 29-Feb-2024",
        "SMALLER 5",
        "SUBJECT hi",
        "TEXT hi",
        "TO x",
        "UID 1:*",
        "UNANSWERED",
        "UNDELETED",
        "UNDRAFT",
        "UNFLAGGED",
        "UNKEYWORD x",
        "UNSEEN",
        "1,3:5",
        "$",
        "(SEEN DRAFT)",
        "MODSEQ 5",
        "MODSEQ \"/flags/\\\\draft\" all 620162338",
        "OLDER 3600",
        "YOUNGER 60",
        "SAVEDATEBEFORE 1-Jan-2020",
        "SAVEDATEON 1-Jan-2020",
        "SAVEDATESINCE 1-Jan-2020",
        "SAVEDATESUPPORTED",
        "EMAILID M6d99ac3275bb4e",
        "THREADID T64b478a75b7ea9",
    };
    for (const char* k : keys) parse_ok(std::string("a SEARCH ") + k);
}

TEST(ImapSearch, Structure) {
    Command c =
        parse_ok("a UID SEARCH RETURN (MIN COUNT SAVE) CHARSET UTF-8 OR FROM x NOT 2:4 SEEN");
    EXPECT_TRUE(c.uid);
    const auto& s = c.as<SearchArgs>();
    EXPECT_TRUE(s.has_return);
    EXPECT_EQ(s.returns, (std::vector<SearchReturn>{SearchReturn::Min, SearchReturn::Count,
                                                    SearchReturn::Save}));
    EXPECT_EQ(*s.charset, "UTF-8");
    ASSERT_EQ(s.key.children.size(), 2u);
    const auto& orr = s.key.children[0];
    EXPECT_EQ(orr.kind, SearchKeyKind::Or);
    EXPECT_EQ(orr.children[0].str, "x");
    EXPECT_EQ(orr.children[1].kind, SearchKeyKind::Not);
    EXPECT_EQ(orr.children[1].children[0].kind, SearchKeyKind::SeqSet);
    EXPECT_TRUE(parse_ok("a SEARCH RETURN () ALL").as<SearchArgs>().returns.empty());
    Command hc = parse_ok("a SEARCH HEADER X-Spam \"\"");
    const auto& h = first_key(hc);
    EXPECT_EQ(h.str, "X-Spam");
    EXPECT_EQ(h.str2, "");
    Command dc = parse_ok("a SEARCH SINCE 1-Feb-1994");
    const auto& d = first_key(dc);
    EXPECT_EQ(d.date.month, 2);
    Command mc = parse_ok("a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338");
    const auto& m = first_key(mc);
    EXPECT_EQ(m.str, "/flags/\\draft");
    EXPECT_EQ(m.number, 620162338u);
}

TEST(ImapSearch, Errors) {
    EXPECT_TRUE(fails("a SEARCH"));
    EXPECT_TRUE(fails("a SEARCH BOGUS"));
    EXPECT_TRUE(fails("a SEARCH FROM"));
    EXPECT_TRUE(fails("a SEARCH OR SEEN"));
    EXPECT_TRUE(fails("a SEARCH SINCE 30-Feb-2020"));
    EXPECT_TRUE(fails("a SEARCH SINCE 1-Foo-2020"));
    EXPECT_TRUE(fails("a SEARCH LARGER -1"));
    EXPECT_TRUE(fails("a SEARCH LARGER 99999999999999999999"));
    EXPECT_TRUE(fails("a SEARCH OLDER 0"));
    EXPECT_TRUE(fails("a SEARCH RETURN (BOGUS) ALL"));
    EXPECT_TRUE(fails("a SEARCH CHARSET"));
    EXPECT_TRUE(fails("a SEARCH ()"));
    EXPECT_TRUE(fails("a SEARCH ALL  SEEN"));
    EXPECT_TRUE(fails("a SEARCH MODSEQ \"/flags/x\" bogus 5"));
    std::string many = "a SEARCH";
    for (int i = 0; i < 20000; ++i) many += " SEEN";
    EXPECT_TRUE(fails(many));
}

TEST(ImapSearch, SortAndThread) {
    Command c = parse_ok("a UID SORT (REVERSE DATE SUBJECT) UTF-8 ALL");
    const auto& s = c.as<SortArgs>();
    ASSERT_EQ(s.criteria.size(), 2u);
    EXPECT_TRUE(s.criteria[0].reverse);
    EXPECT_EQ(s.criteria[1].key, "SUBJECT");
    EXPECT_EQ(s.charset, "UTF-8");
    EXPECT_TRUE(
        parse_ok("a SORT RETURN (COUNT) (ARRIVAL) US-ASCII SEEN").as<SortArgs>().has_return);
    EXPECT_TRUE(fails("a SORT () UTF-8 ALL"));
    EXPECT_TRUE(fails("a SORT (BOGUS) UTF-8 ALL"));
    EXPECT_TRUE(fails("a SORT (DATE) UTF-8"));
    c = parse_ok("a THREAD REFERENCES US-ASCII SINCE 1-Jan-2020");
    EXPECT_EQ(c.as<ThreadArgs>().algorithm, "REFERENCES");
    EXPECT_EQ(parse_ok("a UID THREAD orderedsubject UTF-8 ALL").as<ThreadArgs>().algorithm,
              "ORDEREDSUBJECT");
    EXPECT_TRUE(fails("a THREAD REFERENCES"));
}

TEST(ImapFetch, MacrosAndSimpleAtts) {
    EXPECT_EQ(parse_ok("a FETCH 1 ALL").as<FetchArgs>().atts.size(), 4u);
    EXPECT_EQ(parse_ok("a FETCH 1 fast").as<FetchArgs>().atts.size(), 3u);
    EXPECT_EQ(parse_ok("a FETCH 1 FULL").as<FetchArgs>().atts.back().kind, FetchAttKind::Body);
    Command c = parse_ok(
        "a FETCH 1:* (ENVELOPE FLAGS INTERNALDATE RFC822 RFC822.HEADER RFC822.SIZE RFC822.TEXT "
        "BODY BODYSTRUCTURE UID MODSEQ SAVEDATE EMAILID THREADID)");
    EXPECT_EQ(c.as<FetchArgs>().atts.size(), 14u);
    EXPECT_EQ(parse_ok("a FETCH 1 uid").as<FetchArgs>().atts[0].kind, FetchAttKind::Uid);
}

TEST(ImapFetch, Sections) {
    Command c = parse_ok(
        "a FETCH 1 (BODY[] BODY.PEEK[HEADER.FIELDS (From \"To\")]<0.100> BODY[1.2.MIME] "
        "BODY[3.TEXT] BODY[4] BODY[HEADER.FIELDS.NOT (X-A)] BINARY[1] BINARY.PEEK[]<5.6> "
        "BINARY.SIZE[2])");
    const auto& a = c.as<FetchArgs>().atts;
    ASSERT_EQ(a.size(), 9u);
    EXPECT_EQ(a[0].kind, FetchAttKind::BodySection);
    EXPECT_TRUE(a[0].section.part.empty());
    EXPECT_TRUE(a[1].peek);
    EXPECT_EQ(a[1].section.text, SectionText::HeaderFields);
    EXPECT_EQ(a[1].section.fields, (std::vector<std::string>{"FROM", "TO"}));
    EXPECT_EQ(a[1].partial->second, 100u);
    EXPECT_EQ(a[2].section.part, (std::vector<uint32_t>{1, 2}));
    EXPECT_EQ(a[2].section.text, SectionText::Mime);
    EXPECT_EQ(a[3].section.text, SectionText::Text);
    EXPECT_EQ(a[4].section.part, (std::vector<uint32_t>{4}));
    EXPECT_EQ(a[5].section.text, SectionText::HeaderFieldsNot);
    EXPECT_EQ(a[6].kind, FetchAttKind::Binary);
    EXPECT_TRUE(a[7].peek);
    EXPECT_EQ(a[8].kind, FetchAttKind::BinarySize);
}

TEST(ImapFetch, Modifiers) {
    Command c = parse_ok("a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)");
    EXPECT_EQ(*c.as<FetchArgs>().changed_since, 12345u);
    EXPECT_TRUE(c.as<FetchArgs>().vanished);
    EXPECT_TRUE(fails("a FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)"));  // not UID FETCH
    EXPECT_TRUE(fails("a UID FETCH 1:* (FLAGS) (VANISHED)"));
    EXPECT_TRUE(fails("a FETCH 1 FLAGS (BOGUS)"));
}

TEST(ImapFetch, Errors) {
    EXPECT_TRUE(fails("a FETCH 1"));
    EXPECT_TRUE(fails("a FETCH 1 ()"));
    EXPECT_TRUE(fails("a FETCH 1 (FLAGS"));
    EXPECT_TRUE(fails("a FETCH 1 BOGUS"));
    EXPECT_TRUE(fails("a FETCH 1 BODY[MIME]"));
    EXPECT_TRUE(fails("a FETCH 1 BODY[0]"));
    EXPECT_TRUE(fails("a FETCH 1 BODY[1.]"));
    EXPECT_TRUE(fails("a FETCH 1 BODY[HEADER.FIELDS]"));
    EXPECT_TRUE(fails("a FETCH 1 BODY[HEADER.FIELDS ()]"));
    EXPECT_TRUE(fails("a FETCH 1 BODY[TEXT"));
    EXPECT_TRUE(fails("a FETCH 1 BODY[]<1>"));
    EXPECT_TRUE(fails("a FETCH 1 BODY[]<1.0>"));
    EXPECT_TRUE(fails("a FETCH 1 BODY.PEEK"));
    EXPECT_TRUE(fails("a FETCH 1 BINARY[TEXT]"));
    EXPECT_TRUE(fails("a FETCH 1 BINARY.SIZE"));
}
