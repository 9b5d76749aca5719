// Parsers for SEARCH (RFC 9051 §6.4.4 search keys, RFC 4731 ESEARCH RETURN, RFC 5182
// SEARCHRES, RFC 7162 MODSEQ, RFC 5032 WITHIN, RFC 8514 SAVEDATE, RFC 8474 OBJECTID),
// SORT and THREAD (RFC 5256, RFC 5267 ESORT).
#include "imap/proto/cursor.h"
#include "imap/proto/limits.h"

namespace magpie::imap::detail {

namespace {

struct Budget {
    size_t keys = 0;
    int depth = 0;
};

SearchKey key_of(SearchKeyKind kind) {
    SearchKey k;
    k.kind = kind;
    return k;
}

SearchKey parse_key(Cursor& c, Budget& b);

SearchKey parse_key_list(Cursor& c, Budget& b) {
    // RFC 9051 §9: "(" search-key *(SP search-key) ")"
    SearchKey k = key_of(SearchKeyKind::And);
    c.open();
    do {
        k.children.push_back(parse_key(c, b));
    } while (c.eat(' '));
    c.close();
    return k;
}

SearchKey parse_key(Cursor& c, Budget& b) {
    if (++b.keys > kMaxSearchKeys) c.fail("Too many search keys");
    // NOT and OR recurse without parentheses; bound that depth too.
    if (++b.depth > kMaxNestingDepth) c.fail("Search program too deeply nested");
    struct Leave {
        Budget& b;
        ~Leave() { --b.depth; }
    } leave{b};

    char first = c.peek();
    if (first == '(') return parse_key_list(c, b);
    if ((first >= '0' && first <= '9') || first == '*' || first == '$') {
        SearchKey k = key_of(SearchKeyKind::SeqSet);
        k.set = c.seqset();
        return k;
    }
    std::string name = c.upper_atom();
    using K = SearchKeyKind;
    struct Simple {
        std::string_view name;
        K kind;
    };
    static constexpr Simple kFlags[] = {
        {"ALL", K::All},
        {"ANSWERED", K::Answered},
        {"DELETED", K::Deleted},
        {"DRAFT", K::Draft},
        {"FLAGGED", K::Flagged},
        {"SEEN", K::Seen},
        {"RECENT", K::Recent},
        {"NEW", K::New},
        {"OLD", K::Old},
        {"UNANSWERED", K::Unanswered},
        {"UNDELETED", K::Undeleted},
        {"UNDRAFT", K::Undraft},
        {"UNFLAGGED", K::Unflagged},
        {"UNSEEN", K::Unseen},
        {"SAVEDATESUPPORTED", K::SaveDateSupported},  // RFC 8514 §4.2
    };
    for (const auto& s : kFlags)
        if (s.name == name) return key_of(s.kind);
    static constexpr Simple kText[] = {
        {"BCC", K::Bcc}, {"CC", K::Cc},     {"FROM", K::From}, {"SUBJECT", K::Subject},
        {"TO", K::To},   {"BODY", K::Body}, {"TEXT", K::Text},
    };
    for (const auto& s : kText) {
        if (s.name != name) continue;
        SearchKey k = key_of(s.kind);
        c.sp();
        k.str = c.astring();
        return k;
    }
    static constexpr Simple kDates[] = {
        {"BEFORE", K::Before},
        {"ON", K::On},
        {"SINCE", K::Since},
        {"SENTBEFORE", K::SentBefore},
        {"SENTON", K::SentOn},
        {"SENTSINCE", K::SentSince},
        {"SAVEDATEBEFORE", K::SaveDateBefore},  // RFC 8514 §4.2
        {"SAVEDATEON", K::SaveDateOn},
        {"SAVEDATESINCE", K::SaveDateSince},
    };
    for (const auto& s : kDates) {
        if (s.name != name) continue;
        SearchKey k = key_of(s.kind);
        c.sp();
        k.date = c.date();
        return k;
    }
    if (name == "KEYWORD" || name == "UNKEYWORD") {  // flag-keyword = atom
        SearchKey k = key_of(name == "KEYWORD" ? K::Keyword : K::Unkeyword);
        c.sp();
        k.str = std::string(c.atom());
        return k;
    }
    if (name == "HEADER") {  // HEADER SP header-fld-name SP astring
        SearchKey k = key_of(K::Header);
        c.sp();
        k.str = c.astring();
        c.sp();
        k.str2 = c.astring();
        return k;
    }
    if (name == "LARGER" || name == "SMALLER") {
        SearchKey k = key_of(name == "LARGER" ? K::Larger : K::Smaller);
        c.sp();
        k.number = c.number64();
        return k;
    }
    if (name == "OLDER" || name == "YOUNGER") {  // RFC 5032 §3: SP nz-number
        SearchKey k = key_of(name == "OLDER" ? K::Older : K::Younger);
        c.sp();
        k.number = c.nz_number();
        return k;
    }
    if (name == "UID") {
        SearchKey k = key_of(K::Uid);
        c.sp();
        k.set = c.seqset();
        return k;
    }
    if (name == "NOT") {
        SearchKey k = key_of(K::Not);
        c.sp();
        k.children.push_back(parse_key(c, b));
        return k;
    }
    if (name == "OR") {
        SearchKey k = key_of(K::Or);
        c.sp();
        k.children.push_back(parse_key(c, b));
        c.sp();
        k.children.push_back(parse_key(c, b));
        return k;
    }
    if (name == "MODSEQ") {
        // RFC 7162 §3.1.5: MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer
        SearchKey k = key_of(K::Modseq);
        c.sp();
        if (c.peek() == '"') {
            k.str = c.string();  // "/flags/\Seen"
            c.sp();
            std::string type = c.upper_atom();
            if (type != "PRIV" && type != "SHARED" && type != "ALL")
                c.fail("Bad MODSEQ entry type");
            k.str2 = type;
            c.sp();
        }
        k.number = c.number64();
        return k;
    }
    if (name == "EMAILID" || name == "THREADID") {  // RFC 8474 §6
        SearchKey k = key_of(name == "EMAILID" ? K::EmailId : K::ThreadId);
        c.sp();
        k.str = std::string(c.atom());
        return k;
    }
    c.fail("Unknown search key");
}

std::vector<SearchReturn> parse_returns(Cursor& c) {
    // RFC 4731 §3: RETURN SP "(" [search-return-opt *(SP search-return-opt)] ")"
    std::vector<SearchReturn> r;
    c.sp();
    c.open();
    while (!c.eat(')')) {
        if (!r.empty()) c.sp();
        if (r.size() >= 10) c.fail("Too many RETURN options");
        std::string opt = c.upper_atom();
        if (opt == "MIN")
            r.push_back(SearchReturn::Min);
        else if (opt == "MAX")
            r.push_back(SearchReturn::Max);
        else if (opt == "ALL")
            r.push_back(SearchReturn::All);
        else if (opt == "COUNT")
            r.push_back(SearchReturn::Count);
        else if (opt == "SAVE")
            r.push_back(SearchReturn::Save);  // RFC 5182 §2.1
        else
            c.fail("Unknown RETURN option");
    }
    return r;
}

std::string parse_charset(Cursor& c) {
    // RFC 9051 §9 charset = atom / quoted
    if (c.peek() == '"') return c.string();
    return c.upper_atom();
}

}  // namespace

SearchKey parse_search_program(Cursor& c) {
    // search-key *(SP search-key), combined with AND (the leading SP already read)
    Budget b;
    SearchKey root = key_of(SearchKeyKind::And);
    root.children.push_back(parse_key(c, b));
    while (!c.at_end()) {
        c.sp();
        root.children.push_back(parse_key(c, b));
    }
    return root;
}

void parse_search_args(Cursor& c, Command& cmd) {
    // RFC 9051 §6.4.4: SEARCH [search-return-opts] SP [CHARSET SP charset SP] search-program
    SearchArgs a;
    c.sp();
    if (c.eat_word("RETURN")) {
        a.has_return = true;
        a.returns = parse_returns(c);
        c.sp();
    }
    if (c.eat_word("CHARSET")) {
        c.sp();
        a.charset = parse_charset(c);
        c.sp();
    }
    a.key = parse_search_program(c);
    cmd.args = std::move(a);
}

void parse_sort_args(Cursor& c, Command& cmd) {
    // RFC 5256 §3: SORT SP sort-criteria SP search-criteria; RFC 5267 §3.2: [RETURN (...)]
    SortArgs a;
    c.sp();
    if (c.eat_word("RETURN")) {
        a.has_return = true;
        a.returns = parse_returns(c);
        c.sp();
    }
    c.open();
    do {
        if (a.criteria.size() >= 20) c.fail("Too many sort criteria");
        SortCriterion s;
        if (c.eat_word("REVERSE")) {
            s.reverse = true;
            c.sp();
        }
        s.key = c.upper_atom();
        if (s.key != "ARRIVAL" && s.key != "CC" && s.key != "DATE" && s.key != "FROM" &&
            s.key != "SIZE" && s.key != "SUBJECT" && s.key != "TO" && s.key != "DISPLAYFROM" &&
            s.key != "DISPLAYTO")  // RFC 5957 DISPLAYFROM/DISPLAYTO
            c.fail("Unknown sort key");
        a.criteria.push_back(std::move(s));
    } while (c.eat(' '));
    c.close();
    c.sp();
    a.charset = parse_charset(c);
    c.sp();
    a.key = parse_search_program(c);
    cmd.args = std::move(a);
}

void parse_thread_args(Cursor& c, Command& cmd) {
    // RFC 5256 §3: THREAD SP thread-alg SP search-criteria
    ThreadArgs a;
    c.sp();
    a.algorithm = c.upper_atom();
    c.sp();
    a.charset = parse_charset(c);
    c.sp();
    a.key = parse_search_program(c);
    cmd.args = std::move(a);
}

}  // namespace magpie::imap::detail
