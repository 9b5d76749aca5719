// Unit tests for the IMAP command parser: every command's arguments and its error paths.
#include <gtest/gtest.h>

#include <string>

#include "imap/proto/command.h"

using namespace magpie::imap;

namespace {

Command ok(std::string_view line, ParseOptions o = {}) {
    std::string raw(line);
    raw += "\r\n";
    ParseResult r = parse_command(raw, o);
    EXPECT_TRUE(r.command.has_value()) << line << ": " << r.error;
    EXPECT_TRUE(r.error.empty()) << line << ": " << r.error;
    return r.command ? *r.command : Command{};
}

ParseResult bad(std::string_view line, ParseOptions o = {}) {
    std::string raw(line);
    raw += "\r\n";
    ParseResult r = parse_command(raw, o);
    EXPECT_FALSE(r.error.empty()) << line;
    return r;
}

}  // namespace

TEST(ImapParser, SimpleCommands) {
    EXPECT_EQ(ok("a CAPABILITY").kind, CommandKind::Capability);
    EXPECT_EQ(ok("a noop").kind, CommandKind::Noop);
    EXPECT_EQ(ok("a LOGOUT").kind, CommandKind::Logout);
    EXPECT_EQ(ok("a STARTTLS").kind, CommandKind::StartTls);
    EXPECT_EQ(ok("a NAMESPACE").kind, CommandKind::Namespace);
    EXPECT_EQ(ok("a IDLE").kind, CommandKind::Idle);
    EXPECT_EQ(ok("a CHECK").kind, CommandKind::Check);
    EXPECT_EQ(ok("a CLOSE").kind, CommandKind::Close);
    EXPECT_EQ(ok("a UNSELECT").kind, CommandKind::Unselect);
    Command e = ok("a EXPUNGE");
    EXPECT_EQ(e.kind, CommandKind::Expunge);
    EXPECT_EQ(ok("tag.1] NOOP").tag, "tag.1]");
    bad("a NOOP extra");
    EXPECT_TRUE(is_idle_done("done\r\n"));
    EXPECT_FALSE(is_idle_done("a DONE\r\n"));
}

TEST(ImapParser, BadTagsAndUnknownCommands) {
    auto r = bad("+a NOOP");
    EXPECT_EQ(r.bad_response(), "* BAD Invalid tag\r\n");
    bad("a*b NOOP");
    bad("NOOP");
    r = parse_command("a SETACL INBOX joe lr\r\n");
    ASSERT_TRUE(r.command);
    EXPECT_EQ(r.command->kind, CommandKind::Unknown);
    EXPECT_EQ(r.command->as<UnknownArgs>().name, "SETACL");
    EXPECT_EQ(r.bad_response(), "a BAD Unknown command\r\n");
    r = bad("a UID NOOP");
    EXPECT_EQ(r.tag, "a");
}

TEST(ImapParser, LoginAndAuthenticate) {
    Command c = ok("a LOGIN {3}\r\njoe \"p\\\"w\"");
    EXPECT_EQ(c.as<LoginArgs>().user, "joe");
    EXPECT_EQ(c.as<LoginArgs>().password, "p\"w");
    bad("a LOGIN joe");
    bad("a LOGIN \"joe pw");
    bad("a LOGIN {5}\r\njoe pw");  // literal shorter than announced
    c = ok("a AUTHENTICATE plain AGpvZQBwdw==");
    EXPECT_EQ(c.as<AuthenticateArgs>().mechanism, "PLAIN");
    EXPECT_EQ(*c.as<AuthenticateArgs>().initial_response, "AGpvZQBwdw==");
    EXPECT_EQ(*ok("a AUTHENTICATE PLAIN =").as<AuthenticateArgs>().initial_response, "=");
    EXPECT_FALSE(ok("a AUTHENTICATE XOAUTH2").as<AuthenticateArgs>().initial_response);
    bad("a AUTHENTICATE PLAIN abc");
    bad("a AUTHENTICATE PLAIN a=bc");
}

TEST(ImapParser, NulInLiteralIsRejectedButLiteral8Allows) {
    std::string raw = std::string("a LOGIN {3}\r\nj") + '\0' + "e pw\r\n";
    EXPECT_FALSE(parse_command(raw).command);
    std::string app = std::string("a APPEND x ~{3}\r\nj") + '\0' + "e\r\n";
    auto r = parse_command(app);
    ASSERT_TRUE(r.command) << r.error;
    EXPECT_TRUE(r.command->as<AppendArgs>().messages[0].binary);
    EXPECT_EQ(r.command->as<AppendArgs>().messages[0].data.size(), 3u);
}

TEST(ImapParser, Enable) {
    Command c = ok("a ENABLE condstore UTF8=ACCEPT");
    EXPECT_EQ(c.as<EnableArgs>().capabilities,
              (std::vector<std::string>{"CONDSTORE", "UTF8=ACCEPT"}));
    bad("a ENABLE");
}

TEST(ImapParser, SelectWithCondstoreAndQresync) {
    Command c = ok("a SELECT inbox");
    EXPECT_EQ(c.kind, CommandKind::Select);
    EXPECT_TRUE(c.as<SelectArgs>().mailbox.inbox());
    EXPECT_TRUE(ok("a EXAMINE x (CONDSTORE)").as<SelectArgs>().condstore);
    c = ok("a SELECT x (QRESYNC (67890007 20050715194045000 41,43:211,214:541 (1,3 5,7)))");
    const auto& q = *c.as<SelectArgs>().qresync;
    EXPECT_EQ(q.uidvalidity, 67890007u);
    EXPECT_EQ(q.modseq, 20050715194045000ull);
    EXPECT_EQ(q.known_uids->ranges.size(), 3u);
    EXPECT_EQ(q.seq_match_uids->ranges.size(), 2u);
    EXPECT_FALSE(ok("a SELECT x (QRESYNC (1 2))").as<SelectArgs>().qresync->known_uids);
    bad("a SELECT x (QRESYNC (0 2))");
    bad("a SELECT x (BOGUS)");
    bad("a SELECT x (CONDSTORE");
}

TEST(ImapParser, MailboxNames) {
    EXPECT_EQ(ok("a CREATE &ZeVnLIqe-").as<CreateArgs>().mailbox.name,
              "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
    EXPECT_EQ(ok("a DELETE \"A&-B\"").as<MailboxArgs>().mailbox.name, "A&B");
    EXPECT_EQ(ok("a SUBSCRIBE InBoX").as<MailboxArgs>().mailbox.name, "INBOX");
    EXPECT_EQ(ok("a UNSUBSCRIBE INBOX.sub").as<MailboxArgs>().mailbox.name, "INBOX.sub");
    // A name that is no valid modified UTF-7 is a well-formed astring: parsed, marked for
    // the session's NO (RFC 9051 §5.1.3), never decoded.
    for (const char* line : {"a CREATE &Jjo",             // unterminated shift
                             "a CREATE &AGE-",            // encoded printable ASCII
                             "a CREATE \"caf\xC3\xA9\"",  // 8-bit without UTF8=ACCEPT
                             "a SELECT !#$&'+,-.0123456789:;<=>?@^_`|[}"}) {
        EXPECT_TRUE(ok(line).bad_mailbox_name) << line;
    }
    EXPECT_FALSE(ok("a CREATE &ZeVnLIqe-").bad_mailbox_name);
    ParseOptions utf8;
    utf8.utf8 = true;
    EXPECT_EQ(ok("a CREATE \"caf\xC3\xA9\"", utf8).as<CreateArgs>().mailbox.name, "caf\xC3\xA9");
    EXPECT_TRUE(ok("a CREATE \"caf\xC3\"", utf8).bad_mailbox_name);   // truncated UTF-8
    EXPECT_TRUE(ok("a CREATE \"\xC0\xAF\"", utf8).bad_mailbox_name);  // overlong
    // RFC 9051 §9: "~" is an ATOM-CHAR; only "~{" starts a literal8 (RFC 3516 §4.2).
    EXPECT_EQ(ok("a SELECT ~foo").as<SelectArgs>().mailbox.name, "~foo");
    EXPECT_EQ(ok("a CREATE ~").as<CreateArgs>().mailbox.name, "~");
    EXPECT_EQ(ok("a LIST \"\" ~foo").as<ListArgs>().patterns, (std::vector<std::string>{"~foo"}));
    bad("a SELECT ~{3}\r\nfoo");
    Command c = ok("a CREATE Sent (USE (\\Sent))");
    EXPECT_EQ(c.as<CreateArgs>().use, (std::vector<std::string>{"\\Sent"}));
    c = ok("a RENAME a b");
    EXPECT_EQ(c.as<RenameArgs>().to.name, "b");
    bad("a RENAME a");
    bad(std::string("a CREATE ") + std::string(2000, 'x'));
}

TEST(ImapParser, ListVariants) {
    Command c = ok("a LIST \"\" *");
    EXPECT_EQ(c.as<ListArgs>().patterns, (std::vector<std::string>{"*"}));
    c =
        ok("a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"*\" %/x) RETURN (CHILDREN STATUS (MESSAGES "
           "UNSEEN))");
    const auto& l = c.as<ListArgs>();
    EXPECT_EQ(l.selection, (std::vector<std::string>{"SUBSCRIBED", "RECURSIVEMATCH"}));
    EXPECT_EQ(l.patterns.size(), 2u);
    EXPECT_EQ(l.returns, (std::vector<std::string>{"CHILDREN", "STATUS"}));
    EXPECT_EQ(l.status, (std::vector<StatusItem>{StatusItem::Messages, StatusItem::Unseen}));
    EXPECT_EQ(ok("a LIST (SPECIAL-USE) \"\" *").as<ListArgs>().selection[0], "SPECIAL-USE");
    EXPECT_EQ(ok("a LSUB \"\" %").kind, CommandKind::Lsub);
    bad("a LIST \"\"");
    bad("a LIST \"\" * RETURN");
    // RFC 5258 §3: unknown selection and return options are BAD.
    bad("a LIST (imaptest) \"\" \"\"");
    bad("a LIST (SUBSCRIBED BOGUS) \"\" *");
    bad("a LIST \"\" * RETURN (BOGUS)");
    EXPECT_EQ(ok("a LIST (REMOTE) \"\" * RETURN (SUBSCRIBED SPECIAL-USE)").kind, CommandKind::List);
    // A pattern that is no valid modified UTF-7 matches nothing (LIST answers OK).
    EXPECT_TRUE(ok("a LIST \"\" &Jjo*").as<ListArgs>().patterns.empty());
    bad("a LIST \"\" (");
}

TEST(ImapParser, Status) {
    Command c =
        ok("a STATUS blurdybloop (UIDNEXT MESSAGES SIZE HIGHESTMODSEQ APPENDLIMIT DELETED)");
    EXPECT_EQ(c.as<StatusArgs>().items.size(), 6u);
    bad("a STATUS x ()");
    bad("a STATUS x (BOGUS)");
    bad("a STATUS x MESSAGES");
}

TEST(ImapParser, AppendAndMultiappend) {
    Command c = ok("a APPEND Drafts (\\Seen $x) \" 7-Feb-1994 21:52:25 -0800\" {5+}\r\nhello");
    const auto& m = c.as<AppendArgs>().messages;
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].flags, (std::vector<std::string>{"\\Seen", "$x"}));
    ASSERT_TRUE(m[0].date);
    EXPECT_EQ(m[0].date->tz_minutes, -480);
    EXPECT_EQ(m[0].data, "hello");
    c = ok("a APPEND x {1}\r\na ~{1}\r\nb UTF8 (~{1+}\r\nc)");
    ASSERT_EQ(c.as<AppendArgs>().messages.size(), 3u);
    EXPECT_TRUE(c.as<AppendArgs>().messages[2].utf8);
    bad("a APPEND x \"quoted\"");
    bad("a APPEND x");
    bad("a APPEND x \"31-Feb-1994 21:52:25 -0800\" {1}\r\na");
    bad("a APPEND x UTF8 ({1}\r\na)");
}

TEST(ImapParser, StoreCopyMoveExpunge) {
    Command c = ok("a UID STORE 1:3,$ (UNCHANGEDSINCE 5) +FLAGS.SILENT (\\Deleted $Junk)");
    EXPECT_TRUE(c.uid);
    const auto& s = c.as<StoreArgs>();
    EXPECT_EQ(s.op, StoreOp::Add);
    EXPECT_TRUE(s.silent);
    EXPECT_EQ(*s.unchanged_since, 5u);
    EXPECT_EQ(s.flags.size(), 2u);
    EXPECT_EQ(ok("a STORE 1 -FLAGS \\Seen \\Draft").as<StoreArgs>().flags.size(), 2u);
    EXPECT_EQ(ok("a STORE 1 FLAGS ()").as<StoreArgs>().op, StoreOp::Replace);
    bad("a STORE 1 LABELS (x)");
    bad("a STORE 0 FLAGS (x)");
    c = ok("a UID MOVE 1:* Trash");
    EXPECT_EQ(c.kind, CommandKind::Move);
    EXPECT_EQ(c.as<CopyArgs>().mailbox.name, "Trash");
    EXPECT_EQ(ok("a COPY 2 x").kind, CommandKind::Copy);
    c = ok("a UID EXPUNGE 3:5");
    EXPECT_EQ(c.as<ExpungeArgs>().uids->ranges.size(), 1u);
    bad("a UID EXPUNGE");
}

TEST(ImapParser, QuotaAndId) {
    EXPECT_EQ(ok("a GETQUOTA \"\"").as<QuotaArgs>().root, "");
    EXPECT_EQ(ok("a GETQUOTAROOT INBOX").kind, CommandKind::GetQuotaRoot);
    Command c = ok("a SETQUOTA \"\" (STORAGE 512 MESSAGE 1000)");
    EXPECT_EQ(c.as<QuotaArgs>().limits.size(), 2u);
    bad("a SETQUOTA \"\" (STORAGE)");
    c = ok("a ID (\"name\" \"x\" \"version\" NIL)");
    ASSERT_TRUE(c.as<IdArgs>().params);
    EXPECT_FALSE((*c.as<IdArgs>().params)[1].second);
    EXPECT_FALSE(ok("a ID NIL").as<IdArgs>().params);
    bad("a ID (\"name\")");
}

TEST(ImapParser, SequenceSetErrors) {
    bad("a FETCH 0 FLAGS");
    bad("a FETCH 1:0 FLAGS");
    bad("a FETCH 4294967296 FLAGS");
    bad("a FETCH 1,,2 FLAGS");
    bad("a FETCH 1: FLAGS");
    bad("a FETCH , FLAGS");
    bad("a FETCH 01 FLAGS");
    EXPECT_EQ(ok("a FETCH 4294967295 FLAGS").as<FetchArgs>().set.ranges[0].lo, 4294967295u);
    EXPECT_TRUE(ok("a FETCH $ FLAGS").as<FetchArgs>().set.saved);
}

TEST(ImapParser, UnbalancedAndDeepParentheses) {
    bad("a FETCH 1 (FLAGS");
    bad("a FETCH 1 FLAGS)");
    bad("a SEARCH (ALL");
    bad("a SEARCH ALL)");
    bad("a SEARCH " + std::string(100, '(') + "ALL" + std::string(100, ')'));
    std::string nots;
    for (int i = 0; i < 200; ++i) nots += "NOT ";
    bad("a SEARCH " + nots + "ALL");
    std::string ok_nots;
    for (int i = 0; i < 20; ++i) ok_nots += "NOT ";
    ok("a SEARCH " + ok_nots + "ALL");
}

TEST(ImapParser, ErrorsAreTaggedWhenTheTagIsReadable) {
    auto r = bad("a2 FETCH 0 FLAGS");
    EXPECT_EQ(r.tag, "a2");
    EXPECT_EQ(r.bad_response(), "a2 BAD Invalid sequence set\r\n");
    r = bad("a3 LOGIN \"unterminated");
    EXPECT_EQ(r.bad_response().substr(0, 7), "a3 BAD ");
    r = parse_command("\r\n");
    EXPECT_FALSE(r.command);
    EXPECT_EQ(r.bad_response().substr(0, 6), "* BAD ");
    r = parse_command(std::string(100, 'a') + " NOOP\r\n");
    EXPECT_EQ(r.tag, "");
}

TEST(ImapParser, CaseInsensitiveKeywords) {
    Command c = ok("a uid fetch 1:2 (flags body.peek[header.fields (subject)])");
    EXPECT_TRUE(c.uid);
    EXPECT_EQ(c.as<FetchArgs>().atts[1].section.fields[0], "SUBJECT");
    EXPECT_EQ(ok("a select x (condstore)").as<SelectArgs>().condstore, true);
    EXPECT_EQ(ok("a search or seen not draft").as<SearchArgs>().key.children[0].kind,
              SearchKeyKind::Or);
}

TEST(ImapParser, CommandScopes) {
    EXPECT_EQ(command_scope(CommandKind::Noop), CommandScope::Any);
    EXPECT_EQ(command_scope(CommandKind::Login), CommandScope::NotAuthenticated);
    EXPECT_EQ(command_scope(CommandKind::Select), CommandScope::Authenticated);
    EXPECT_EQ(command_scope(CommandKind::Enable), CommandScope::Authenticated);
    EXPECT_EQ(command_scope(CommandKind::Fetch), CommandScope::Selected);
    EXPECT_EQ(command_scope(CommandKind::Unselect), CommandScope::Selected);
}
