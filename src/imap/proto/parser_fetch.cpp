// Parser for FETCH (RFC 9051 §6.4.5): macros, every fetch-att, BODY[section]<partial>,
// BINARY (RFC 3516), MODSEQ/CHANGEDSINCE/VANISHED (RFC 7162), SAVEDATE (RFC 8514),
// EMAILID/THREADID (RFC 8474).
#include "imap/proto/cursor.h"
#include "imap/proto/limits.h"

namespace magpie::imap::detail {

namespace {

// Name of a fetch-att up to "[", SP or ")": letters, digits and ".".
std::string att_name(Cursor& c) {
    std::string name;
    while (true) {
        char ch = c.peek();
        if ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.') {
            name.push_back(ch);
        } else if (ch >= 'a' && ch <= 'z') {
            name.push_back(static_cast<char>(ch - 32));
        } else {
            break;
        }
        c.eat(ch);
        if (name.size() > 32) c.fail("Unknown fetch attribute");
    }
    if (name.empty()) c.fail("Expected a fetch attribute");
    return name;
}

// RFC 9051 §9 section-part = nz-number *("." nz-number). True when a "." follows the
// part, so a section-text must come next.
bool section_part(Cursor& c, Section& s) {
    while (c.peek() >= '0' && c.peek() <= '9') {
        if (s.part.size() >= kMaxSectionDepth) c.fail("Section too deep");
        s.part.push_back(c.nz_number());
        if (!c.eat('.')) return false;
    }
    return !s.part.empty();
}

// RFC 9051 §9 section = "[" [section-spec] "]"
Section section(Cursor& c) {
    Section s;
    c.expect('[');
    if (c.eat(']')) return s;
    bool text_follows = section_part(c, s);
    bool after_part = !s.part.empty();
    if (after_part && !text_follows) {
        c.expect(']');
        return s;
    }
    std::string text = att_name(c);
    if (text == "HEADER") {
        s.text = SectionText::Header;
    } else if (text == "TEXT") {
        s.text = SectionText::Text;
    } else if (text == "MIME" && after_part) {  // section-text "MIME" only after a part
        s.text = SectionText::Mime;
    } else if (text == "HEADER.FIELDS" || text == "HEADER.FIELDS.NOT") {
        s.text = text == "HEADER.FIELDS" ? SectionText::HeaderFields : SectionText::HeaderFieldsNot;
        c.sp();
        c.open();  // header-list = "(" header-fld-name *(SP header-fld-name) ")"
        do {
            if (s.fields.size() >= kMaxHeaderFields) c.fail("Too many header fields");
            std::string f = c.astring();
            for (char& ch : f)
                if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
            s.fields.push_back(std::move(f));
        } while (c.eat(' '));
        c.close();
    } else {
        c.fail("Bad section");
    }
    c.expect(']');
    return s;
}

// RFC 9051 §9 section-binary = "[" [section-part] "]"
Section section_binary(Cursor& c) {
    Section s;
    c.expect('[');
    if (section_part(c, s)) c.fail("Bad section");
    c.expect(']');
    return s;
}

// RFC 9051 §9 partial = "<" number64 "." nz-number64 ">" (bounded to 32 bits here)
void partial(Cursor& c, FetchAtt& a) {
    if (!c.eat('<')) return;
    uint32_t offset = c.number();
    c.expect('.');
    uint32_t length = c.nz_number();
    c.expect('>');
    a.partial = std::make_pair(offset, length);
}

FetchAtt simple(FetchAttKind k) {
    FetchAtt a;
    a.kind = k;
    return a;
}

FetchAtt fetch_att(Cursor& c) {
    using K = FetchAttKind;
    std::string name = att_name(c);
    struct Simple {
        std::string_view name;
        K kind;
    };
    static constexpr Simple kSimple[] = {
        {"ENVELOPE", K::Envelope},
        {"FLAGS", K::Flags},
        {"INTERNALDATE", K::InternalDate},
        {"RFC822", K::Rfc822},
        {"RFC822.HEADER", K::Rfc822Header},
        {"RFC822.SIZE", K::Rfc822Size},
        {"RFC822.TEXT", K::Rfc822Text},
        {"BODYSTRUCTURE", K::BodyStructure},
        {"UID", K::Uid},
        {"MODSEQ", K::Modseq},  // RFC 7162 §3.1.4
        {"SAVEDATE", K::SaveDate},
        {"EMAILID", K::EmailId},  // RFC 8514, RFC 8474
        {"THREADID", K::ThreadId},
    };
    for (const auto& s : kSimple)
        if (s.name == name) return simple(s.kind);
    if (name == "BODY" || name == "BODY.PEEK") {
        if (c.peek() != '[') {
            if (name == "BODY.PEEK") c.fail("BODY.PEEK needs a section");
            return simple(K::Body);
        }
        FetchAtt a = simple(K::BodySection);
        a.peek = name == "BODY.PEEK";
        a.section = section(c);
        partial(c, a);
        return a;
    }
    if (name == "BINARY" || name == "BINARY.PEEK") {  // RFC 3516 §4.1
        FetchAtt a = simple(K::Binary);
        a.peek = name == "BINARY.PEEK";
        a.section = section_binary(c);
        partial(c, a);
        return a;
    }
    if (name == "BINARY.SIZE") {
        FetchAtt a = simple(K::BinarySize);
        a.section = section_binary(c);
        return a;
    }
    c.fail("Unknown fetch attribute");
}

}  // namespace

void parse_fetch_args(Cursor& c, Command& cmd) {
    // RFC 9051 §6.4.5: FETCH SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
    // "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]
    using K = FetchAttKind;
    FetchArgs a;
    c.sp();
    a.set = c.seqset();
    c.sp();
    if (c.peek() == '(') {
        c.open();
        do {
            if (a.atts.size() >= kMaxFetchAtts) c.fail("Too many fetch attributes");
            a.atts.push_back(fetch_att(c));
        } while (c.eat(' '));
        c.close();
    } else if (c.eat_word("ALL")) {
        a.atts = {simple(K::Flags), simple(K::InternalDate), simple(K::Rfc822Size),
                  simple(K::Envelope)};
    } else if (c.eat_word("FAST")) {
        a.atts = {simple(K::Flags), simple(K::InternalDate), simple(K::Rfc822Size)};
    } else if (c.eat_word("FULL")) {
        a.atts = {simple(K::Flags), simple(K::InternalDate), simple(K::Rfc822Size),
                  simple(K::Envelope), simple(K::Body)};
    } else {
        a.atts.push_back(fetch_att(c));
    }
    if (c.eat(' ')) {  // RFC 4466 §2.4 fetch-modifiers; RFC 7162 §3.1.4.1, §3.2.6
        c.open();
        bool first = true;
        while (!c.eat(')')) {
            if (!first) c.sp();
            first = false;
            std::string m = c.upper_atom();
            if (m == "CHANGEDSINCE") {
                c.sp();
                a.changed_since = c.nz_number64();  // mod-sequence-value: 1 and above
            } else if (m == "VANISHED") {
                a.vanished = true;
            } else {
                c.fail("Unknown FETCH modifier");
            }
        }
        // RFC 7162 §3.2.6: VANISHED only in UID FETCH and only with CHANGEDSINCE
        if (a.vanished && (!cmd.uid || !a.changed_since))
            c.fail("VANISHED needs UID FETCH and CHANGEDSINCE");
    }
    cmd.args = std::move(a);
}

}  // namespace magpie::imap::detail
