// IMAP command parser: tag, command name and dispatch (RFC 9051 §9 command), plus the
// commands with simple arguments (any state, authentication, STORE/COPY/MOVE, quota, ID).
// Group parsers live in parser_mailbox.cpp, parser_search.cpp and parser_fetch.cpp.
#include <string>

#include "imap/proto/cursor.h"
#include "imap/proto/limits.h"

namespace magpie::imap {

using detail::Cursor;

namespace {

bool tag_char(char c) {
    return (detail::is_atom_char(c) || c == ']') && c != '+';
}

// RFC 4959 §3: initial-response = base64 / "="
bool base64_token(std::string_view s) {
    if (s == "=") return true;
    if (s.empty() || s.size() % 4 != 0) return false;
    size_t pad = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '+' || c == '/';
        if (c == '=') {
            if (++pad > 2 || i < s.size() - 2) return false;
        } else if (!b64 || pad > 0) {
            return false;
        }
    }
    return true;
}

void parse_authenticate(Cursor& c, Command& cmd) {
    // RFC 9051 §6.2.2: AUTHENTICATE SP auth-type [SP initial-resp] (RFC 4959)
    c.sp();
    AuthenticateArgs a;
    a.mechanism = c.upper_atom();
    if (c.eat(' ')) {
        std::string ir(c.atom("="));
        if (!base64_token(ir)) c.fail("Invalid initial response");
        a.initial_response = ir;
    }
    cmd.args = std::move(a);
}

void parse_login(Cursor& c, Command& cmd) {
    // RFC 9051 §6.2.3: LOGIN SP userid SP password
    c.sp();
    LoginArgs a;
    a.user = c.astring();
    c.sp();
    a.password = c.astring();
    cmd.args = std::move(a);
}

void parse_enable(Cursor& c, Command& cmd) {
    // RFC 9051 §6.3.1: ENABLE 1*(SP capability)
    EnableArgs a;
    do {
        c.sp();
        if (a.capabilities.size() >= 100) c.fail("Too many capabilities");
        a.capabilities.push_back(c.upper_atom());
    } while (!c.at_end());
    cmd.args = std::move(a);
}

void parse_mailbox_only(Cursor& c, Command& cmd) {
    c.sp();
    cmd.args = MailboxArgs{c.mailbox()};
}

void parse_rename(Cursor& c, Command& cmd) {
    // RFC 9051 §6.3.6: RENAME SP mailbox SP mailbox
    c.sp();
    RenameArgs a;
    a.from = c.mailbox();
    c.sp();
    a.to = c.mailbox();
    cmd.args = std::move(a);
}

// RFC 9051 §6.4.6: STORE SP sequence-set SP store-att-flags;
// RFC 7162 §3.1.3: [SP "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"] before the flags
void parse_store(Cursor& c, Command& cmd) {
    c.sp();
    StoreArgs a;
    a.set = c.seqset();
    c.sp();
    if (c.peek() == '(') {
        c.open();
        if (!c.eat_word("UNCHANGEDSINCE")) c.fail("Unknown STORE modifier");
        c.sp();
        a.unchanged_since = c.number64();  // mod-sequence-valzer
        c.close();
        c.sp();
    }
    if (c.eat('+'))
        a.op = StoreOp::Add;
    else if (c.eat('-'))
        a.op = StoreOp::Remove;
    std::string item = c.upper_atom();
    if (item == "FLAGS.SILENT")
        a.silent = true;
    else if (item != "FLAGS")
        c.fail("Expected FLAGS, +FLAGS or -FLAGS");
    c.sp();
    if (c.peek() == '(') {
        a.flags = c.flag_list();
    } else {
        a.flags.push_back(c.flag());
        while (c.eat(' ')) {
            if (a.flags.size() >= 1000) c.fail("Too many flags");
            a.flags.push_back(c.flag());
        }
    }
    cmd.args = std::move(a);
}

void parse_copy(Cursor& c, Command& cmd) {
    // RFC 9051 §6.4.7 COPY / §6.4.8 MOVE: SP sequence-set SP mailbox
    c.sp();
    CopyArgs a;
    a.set = c.seqset();
    c.sp();
    a.mailbox = c.mailbox();
    cmd.args = std::move(a);
}

void parse_uid_expunge(Cursor& c, Command& cmd) {
    // RFC 9051 §6.4.9: UID EXPUNGE SP sequence-set
    c.sp();
    cmd.args = ExpungeArgs{c.seqset()};
}

void parse_getquota(Cursor& c, Command& cmd) {
    // RFC 9208 §4.2: GETQUOTA SP quota-root-name
    c.sp();
    QuotaArgs a;
    a.root = c.astring();
    cmd.args = std::move(a);
}

void parse_setquota(Cursor& c, Command& cmd) {
    // RFC 9208 §4.4: SETQUOTA SP quota-root-name SP "(" [setquota-resource *(SP ...)] ")"
    c.sp();
    QuotaArgs a;
    a.root = c.astring();
    c.sp();
    c.open();
    while (!c.eat(')')) {
        if (!a.limits.empty()) c.sp();
        if (a.limits.size() >= 100) c.fail("Too many quota resources");
        std::string res = c.upper_atom();
        c.sp();
        a.limits.emplace_back(std::move(res), c.number64());
    }
    cmd.args = std::move(a);
}

void parse_id(Cursor& c, Command& cmd) {
    // RFC 2971 §4: "ID" SP id_params_list; id_params_list ::= "(" #(string SP nstring) ")" / nil
    c.sp();
    IdArgs a;
    if (c.eat_word("NIL")) {
        cmd.args = std::move(a);
        return;
    }
    a.params.emplace();
    c.open();
    while (!c.eat(')')) {
        if (!a.params->empty()) c.sp();
        if (a.params->size() >= kMaxIdParams) c.fail("Too many ID parameters");
        std::string key = c.string();
        c.sp();
        bool present = false;
        std::string value = c.nstring(present);
        a.params->emplace_back(
            std::move(key), present ? std::optional<std::string>(std::move(value)) : std::nullopt);
    }
    cmd.args = std::move(a);
}

struct Entry {
    std::string_view name;
    CommandKind kind;
    void (*args)(Cursor&, Command&);  // nullptr: no arguments
};

// RFC 9051 §9 command-any / command-auth / command-nonauth / command-select.
constexpr Entry kCommands[] = {
    {"CAPABILITY", CommandKind::Capability, nullptr},
    {"NOOP", CommandKind::Noop, nullptr},
    {"LOGOUT", CommandKind::Logout, nullptr},
    {"STARTTLS", CommandKind::StartTls, nullptr},
    {"AUTHENTICATE", CommandKind::Authenticate, parse_authenticate},
    {"LOGIN", CommandKind::Login, parse_login},
    {"ENABLE", CommandKind::Enable, parse_enable},
    {"SELECT", CommandKind::Select, detail::parse_select_args},
    {"EXAMINE", CommandKind::Examine, detail::parse_select_args},
    {"CREATE", CommandKind::Create, detail::parse_create_args},
    {"DELETE", CommandKind::Delete, parse_mailbox_only},
    {"RENAME", CommandKind::Rename, parse_rename},
    {"SUBSCRIBE", CommandKind::Subscribe, parse_mailbox_only},
    {"UNSUBSCRIBE", CommandKind::Unsubscribe, parse_mailbox_only},
    {"LIST", CommandKind::List, detail::parse_list_args},
    {"LSUB", CommandKind::Lsub, detail::parse_lsub_args},
    {"NAMESPACE", CommandKind::Namespace, nullptr},
    {"STATUS", CommandKind::Status, detail::parse_status_args},
    {"APPEND", CommandKind::Append, detail::parse_append_args},
    {"IDLE", CommandKind::Idle, nullptr},
    {"CHECK", CommandKind::Check, nullptr},
    {"CLOSE", CommandKind::Close, nullptr},
    {"UNSELECT", CommandKind::Unselect, nullptr},
    {"EXPUNGE", CommandKind::Expunge, nullptr},
    {"SEARCH", CommandKind::Search, detail::parse_search_args},
    {"FETCH", CommandKind::Fetch, detail::parse_fetch_args},
    {"STORE", CommandKind::Store, parse_store},
    {"COPY", CommandKind::Copy, parse_copy},
    {"MOVE", CommandKind::Move, parse_copy},
    {"SORT", CommandKind::Sort, detail::parse_sort_args},
    {"THREAD", CommandKind::Thread, detail::parse_thread_args},
    {"GETQUOTA", CommandKind::GetQuota, parse_getquota},
    {"GETQUOTAROOT", CommandKind::GetQuotaRoot, parse_mailbox_only},
    {"SETQUOTA", CommandKind::SetQuota, parse_setquota},
    {"ID", CommandKind::Id, parse_id},
};

const Entry* find_command(std::string_view name) {
    for (const auto& e : kCommands)
        if (e.name == name) return &e;
    return nullptr;
}

}  // namespace

CommandScope command_scope(CommandKind kind) {
    switch (kind) {
        case CommandKind::Capability:
        case CommandKind::Noop:
        case CommandKind::Logout:
        case CommandKind::Id:
        case CommandKind::Unknown:
            return CommandScope::Any;  // RFC 9051 §6.1
        case CommandKind::StartTls:
        case CommandKind::Authenticate:
        case CommandKind::Login:
            return CommandScope::NotAuthenticated;  // §6.2
        case CommandKind::Check:
        case CommandKind::Close:
        case CommandKind::Unselect:
        case CommandKind::Expunge:
        case CommandKind::Search:
        case CommandKind::Fetch:
        case CommandKind::Store:
        case CommandKind::Copy:
        case CommandKind::Move:
        case CommandKind::Sort:
        case CommandKind::Thread:
            return CommandScope::Selected;  // §6.4
        default:
            return CommandScope::Authenticated;  // §6.3 (ENABLE, SELECT, ..., quota)
    }
}

std::string ParseResult::bad_response() const {
    return (tag.empty() ? std::string("*") : tag) + " BAD " + error + "\r\n";
}

bool is_idle_done(std::string_view raw) {
    while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.remove_suffix(1);
    if (raw.size() != 4) return false;
    for (size_t i = 0; i < 4; ++i)
        if ((raw[i] & ~0x20) != "DONE"[i]) return false;
    return true;
}

ParseResult parse_command(std::string_view raw, const ParseOptions& options) {
    ParseResult result;
    Cursor c(raw, options);
    try {
        // RFC 9051 §9: command = tag SP (command-any / command-auth / ...) CRLF
        size_t n = 0;
        while (n < raw.size() && n <= kMaxTagLength && tag_char(raw[n])) ++n;
        if (n == 0 || n > kMaxTagLength || n >= raw.size() || raw[n] != ' ') {
            result.error = "Invalid tag";
            return result;
        }
        Command cmd;
        cmd.tag = std::string(raw.substr(0, n));
        result.tag = cmd.tag;
        c.atom("]");  // the tag
        c.sp();
        std::string name = c.upper_atom();
        if (name == "UID") {  // RFC 9051 §6.4.9
            cmd.uid = true;
            c.sp();
            name = c.upper_atom();
            if (name != "FETCH" && name != "SEARCH" && name != "STORE" && name != "COPY" &&
                name != "MOVE" && name != "EXPUNGE" && name != "SORT" && name != "THREAD")
                c.fail("Unknown UID command");
        }
        const Entry* e = find_command(name);
        if (e == nullptr) {
            cmd.kind = CommandKind::Unknown;
            cmd.args = UnknownArgs{name};
            result.error = "Unknown command";
            result.command = std::move(cmd);  // the server answers BAD; ACL etc. may hook here
            return result;
        }
        cmd.kind = e->kind;
        if (cmd.uid && e->kind == CommandKind::Expunge)
            parse_uid_expunge(c, cmd);
        else if (e->args)
            e->args(c, cmd);
        c.end();
        cmd.bad_mailbox_name = c.bad_name();
        result.command = std::move(cmd);
    } catch (const detail::ParseError& err) {
        result.error = err.message;
        result.command.reset();
    }
    return result;
}

}  // namespace magpie::imap
