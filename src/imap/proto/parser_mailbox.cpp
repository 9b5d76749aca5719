// Parsers for the mailbox commands: SELECT/EXAMINE (RFC 7162 CONDSTORE/QRESYNC), CREATE
// (RFC 6154 USE), LIST (RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154), LSUB,
// STATUS and APPEND (RFC 3502 MULTIAPPEND, RFC 3516 literal8, RFC 6855 UTF8).
#include "imap/proto/cursor.h"
#include "imap/proto/limits.h"

namespace magpie::imap::detail {

namespace {

// RFC 9051 §9 mod-sequence-value = 1*DIGIT, 1 <= n <= 9,223,372,036,854,775,807
uint64_t mod_sequence(Cursor& c) {
    return c.nz_number64();
}

}  // namespace

void parse_select_args(Cursor& c, Command& cmd) {
    // RFC 9051 §6.3.2: SELECT SP mailbox [select-params] (RFC 4466 §2.1)
    c.sp();
    SelectArgs a;
    a.mailbox = c.mailbox();
    if (c.eat(' ')) {
        c.open();
        bool first = true;
        while (!c.eat(')')) {
            if (!first) c.sp();
            first = false;
            std::string name = c.upper_atom();
            if (name == "CONDSTORE") {  // RFC 7162 §3.1.8
                a.condstore = true;
            } else if (name == "QRESYNC") {  // RFC 7162 §3.2.5
                if (a.qresync) c.fail("QRESYNC given twice");
                c.sp();
                c.open();
                QresyncParam q;
                q.uidvalidity = c.nz_number();
                c.sp();
                q.modseq = mod_sequence(c);
                if (c.eat(' ')) {
                    if (c.peek() != '(') {
                        q.known_uids = c.seqset(false);
                        if (c.eat(' ') && c.peek() != '(') c.fail("Bad QRESYNC parameter");
                    }
                    if (c.peek() == '(') {  // seq-match-data
                        c.open();
                        q.seq_match_seqs = c.seqset(false);
                        c.sp();
                        q.seq_match_uids = c.seqset(false);
                        c.close();
                    }
                }
                c.close();
                a.qresync = std::move(q);
            } else {
                c.fail("Unknown SELECT parameter");
            }
        }
    }
    cmd.args = std::move(a);
}

void parse_create_args(Cursor& c, Command& cmd) {
    // RFC 9051 §6.3.4: CREATE SP mailbox [create-params]; RFC 6154 §3: USE (attrs)
    c.sp();
    CreateArgs a;
    a.mailbox = c.mailbox();
    if (c.eat(' ')) {
        c.open();
        if (!c.eat_word("USE")) c.fail("Unknown CREATE parameter");
        c.sp();
        c.open();
        while (!c.eat(')')) {
            if (!a.use.empty()) c.sp();
            if (a.use.size() >= 20) c.fail("Too many USE attributes");
            c.expect('\\');
            a.use.push_back("\\" + std::string(c.atom()));
        }
        c.close();
    }
    cmd.args = std::move(a);
}

std::vector<StatusItem> parse_status_items(Cursor& c) {
    // RFC 9051 §9 status-att; RFC 7162 HIGHESTMODSEQ; RFC 7889 APPENDLIMIT; RFC 8474 MAILBOXID
    std::vector<StatusItem> items;
    c.open();
    while (!c.eat(')')) {
        if (!items.empty()) c.sp();
        if (items.size() >= 20) c.fail("Too many status items");
        std::string s = c.upper_atom();
        if (s == "MESSAGES")
            items.push_back(StatusItem::Messages);
        else if (s == "RECENT")
            items.push_back(StatusItem::Recent);
        else if (s == "UIDNEXT")
            items.push_back(StatusItem::UidNext);
        else if (s == "UIDVALIDITY")
            items.push_back(StatusItem::UidValidity);
        else if (s == "UNSEEN")
            items.push_back(StatusItem::Unseen);
        else if (s == "DELETED")
            items.push_back(StatusItem::Deleted);
        else if (s == "SIZE")
            items.push_back(StatusItem::Size);
        else if (s == "HIGHESTMODSEQ")
            items.push_back(StatusItem::HighestModseq);
        else if (s == "APPENDLIMIT")
            items.push_back(StatusItem::AppendLimit);
        else if (s == "MAILBOXID")
            items.push_back(StatusItem::MailboxId);
        else
            c.fail("Unknown status item");
    }
    return items;
}

void parse_status_args(Cursor& c, Command& cmd) {
    // RFC 9051 §6.3.11: STATUS SP mailbox SP "(" status-att *(SP status-att) ")"
    c.sp();
    StatusArgs a;
    a.mailbox = c.mailbox();
    c.sp();
    a.items = parse_status_items(c);
    if (a.items.empty()) c.fail("Empty status item list");
    cmd.args = std::move(a);
}

void parse_list_args(Cursor& c, Command& cmd) {
    // RFC 9051 §6.3.9 / RFC 5258 §6:
    // LIST [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
    c.sp();
    ListArgs a;
    if (c.peek() == '(') {
        c.open();
        while (!c.eat(')')) {
            if (!a.selection.empty()) c.sp();
            if (a.selection.size() >= 20) c.fail("Too many selection options");
            std::string opt = c.upper_atom();
            // RFC 5258 §3: an unrecognized selection option is a BAD command.
            if (opt != "SUBSCRIBED" && opt != "REMOTE" && opt != "RECURSIVEMATCH" &&
                opt != "SPECIAL-USE")  // RFC 6154 §3
                c.fail("Unknown LIST selection option");
            a.selection.push_back(std::move(opt));
        }
        c.sp();
    }
    a.reference = c.mailbox().name;
    c.sp();
    if (c.peek() == '(') {  // RFC 5258 patterns = "(" list-mailbox *(SP list-mailbox) ")"
        c.open();
        do {
            if (a.patterns.size() >= 100) c.fail("Too many patterns");
            if (auto p = c.list_mailbox()) a.patterns.push_back(std::move(*p));
        } while (c.eat(' '));
        c.close();
    } else if (auto p = c.list_mailbox()) {
        a.patterns.push_back(std::move(*p));
    }  // a pattern that is not valid modified UTF-7 matches nothing: LIST answers OK
    if (c.eat(' ')) {
        if (!c.eat_word("RETURN")) c.fail("Expected RETURN");
        c.sp();
        c.open();
        while (!c.eat(')')) {
            if (!a.returns.empty()) c.sp();
            if (a.returns.size() >= 20) c.fail("Too many return options");
            std::string opt = c.upper_atom();
            if (opt == "STATUS") {  // RFC 5819 §2
                c.sp();
                a.status = parse_status_items(c);
            } else if (opt != "SUBSCRIBED" && opt != "CHILDREN" && opt != "SPECIAL-USE") {
                c.fail("Unknown LIST return option");  // RFC 5258 §3: BAD
            }
            a.returns.push_back(std::move(opt));
        }
    }
    cmd.args = std::move(a);
}

void parse_lsub_args(Cursor& c, Command& cmd) {
    // RFC 3501 §6.3.9: LSUB SP mailbox SP list-mailbox
    c.sp();
    ListArgs a;
    a.reference = c.mailbox().name;
    c.sp();
    if (auto p = c.list_mailbox()) a.patterns.push_back(std::move(*p));
    cmd.args = std::move(a);
}

void parse_append_args(Cursor& c, Command& cmd) {
    // RFC 9051 §6.3.12: APPEND SP mailbox [SP flag-list] [SP date-time] SP literal;
    // RFC 3502 §6.3.11: several messages; RFC 3516 §4.4: literal8; RFC 6855 §4: UTF8 (literal8)
    c.sp();
    AppendArgs a;
    a.mailbox = c.mailbox();
    while (c.eat(' ')) {
        if (static_cast<int>(a.messages.size()) >= kMaxLiteralsPerCommand)
            c.fail("Too many messages");
        AppendMessage m;
        if (c.peek() == '(') {
            m.flags = c.flag_list();
            c.sp();
        }
        if (c.peek() == '"') {
            m.date = c.date_time();
            c.sp();
        }
        if (c.eat_word("UTF8")) {
            c.sp();
            c.open();
            if (c.peek() != '~') c.fail("UTF8 needs a literal8");
            m.data = c.string(&m.binary);
            c.close();
            m.utf8 = true;
        } else {
            if (c.peek() != '{' && c.peek() != '~') c.fail("Message must be a literal");
            m.data = c.string(&m.binary);
        }
        a.messages.push_back(std::move(m));
    }
    if (a.messages.empty()) c.fail("Missing message");
    cmd.args = std::move(a);
}

}  // namespace magpie::imap::detail
