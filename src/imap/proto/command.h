// Typed IMAP commands (RFC 9051 §6, RFC 3501 §6 and the extensions in docs/imap-protocol.md)
// and the parser entry point. Pure: parses one raw command from CommandReader.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "imap/proto/datetime.h"
#include "imap/proto/seqset.h"

namespace magpie::imap {

enum class CommandKind {
    Capability,
    Noop,
    Logout,
    StartTls,
    Authenticate,
    Login,
    Enable,
    Select,
    Examine,
    Create,
    Delete,
    Rename,
    Subscribe,
    Unsubscribe,
    List,
    Lsub,
    Namespace,
    Status,
    Append,
    Idle,
    Check,
    Close,
    Unselect,
    Expunge,
    Search,
    Fetch,
    Store,
    Copy,
    Move,
    Sort,
    Thread,
    GetQuota,
    GetQuotaRoot,
    SetQuota,
    Id,
    Unknown,
};

// A mailbox name decoded to UTF-8 (from modified UTF-7 unless UTF8=ACCEPT is on), with
// "INBOX" in any case folded to "INBOX" (RFC 9051 §5.1).
struct Mailbox {
    std::string name;
    bool inbox() const { return name == "INBOX"; }
};

struct AuthenticateArgs {
    std::string mechanism;                        // upper-cased
    std::optional<std::string> initial_response;  // RFC 4959 SASL-IR, base64 as sent ("=" = empty)
};

struct LoginArgs {
    std::string user;
    std::string password;
};

struct EnableArgs {
    std::vector<std::string> capabilities;  // upper-cased
};

// RFC 7162 §3.2.5 QRESYNC select parameter.
struct QresyncParam {
    uint32_t uidvalidity = 0;
    uint64_t modseq = 0;
    std::optional<SeqSet> known_uids;
    std::optional<SeqSet> seq_match_seqs;  // known-sequence-set
    std::optional<SeqSet> seq_match_uids;  // known-uid-set
};

struct SelectArgs {
    Mailbox mailbox;
    bool condstore = false;  // RFC 7162 §3.1.8
    std::optional<QresyncParam> qresync;
};

struct MailboxArgs {  // DELETE, SUBSCRIBE, UNSUBSCRIBE, GETQUOTAROOT
    Mailbox mailbox;
};

struct CreateArgs {
    Mailbox mailbox;
    std::vector<std::string> use;  // RFC 6154 §3: special-use attributes, e.g. "\Sent"
};

struct RenameArgs {
    Mailbox from;
    Mailbox to;
};

enum class StatusItem {
    Messages,
    Recent,
    UidNext,
    UidValidity,
    Unseen,
    Deleted,
    Size,
    HighestModseq,
    AppendLimit,
    MailboxId,
};

struct ListArgs {
    std::vector<std::string> selection;  // RFC 5258 selection options, upper-cased
    std::string reference;
    std::vector<std::string> patterns;  // decoded to UTF-8; "%" and "*" kept
    std::vector<std::string> returns;   // RFC 5258 return options, upper-cased
    std::vector<StatusItem> status;     // RFC 5819 RETURN (STATUS (...))
};

struct StatusArgs {
    Mailbox mailbox;
    std::vector<StatusItem> items;
};

struct AppendMessage {
    std::vector<std::string> flags;
    std::optional<DateTime> date;
    std::string data;
    bool binary = false;  // literal8 (RFC 3516 §4.4)
    bool utf8 = false;    // UTF8 (...) wrapper (RFC 6855 §4)
};

struct AppendArgs {
    Mailbox mailbox;
    std::vector<AppendMessage> messages;  // more than one with MULTIAPPEND (RFC 3502)
};

enum class SearchKeyKind {
    All,
    And,
    Or,
    Not,
    SeqSet,
    Uid,
    Answered,
    Deleted,
    Draft,
    Flagged,
    Seen,
    Recent,
    New,
    Old,
    Unanswered,
    Undeleted,
    Undraft,
    Unflagged,
    Unseen,
    Keyword,
    Unkeyword,
    Bcc,
    Cc,
    From,
    Subject,
    To,
    Body,
    Text,
    Header,
    Before,
    On,
    Since,
    SentBefore,
    SentOn,
    SentSince,
    Larger,
    Smaller,
    Modseq,
    Older,
    Younger,
    SaveDateBefore,
    SaveDateOn,
    SaveDateSince,
    SaveDateSupported,
    EmailId,
    ThreadId,
};

// One node of a search program (RFC 9051 §6.4.4). And/Or/Not have children.
struct SearchKey {
    SearchKeyKind kind = SearchKeyKind::All;
    std::string str;      // flag, header name, search text
    std::string str2;     // header value
    uint64_t number = 0;  // size, modseq, interval seconds
    Date date;
    SeqSet set;
    std::vector<SearchKey> children;
};

enum class SearchReturn { Min, Max, All, Count, Save };

struct SearchArgs {
    std::optional<std::string> charset;
    bool has_return = false;  // RFC 4731 RETURN given; empty list means ALL
    std::vector<SearchReturn> returns;
    SearchKey key;  // an And of the top-level keys
};

enum class SectionText { None, Header, HeaderFields, HeaderFieldsNot, Text, Mime };

// RFC 9051 §6.4.5 section-spec.
struct Section {
    std::vector<uint32_t> part;
    SectionText text = SectionText::None;
    std::vector<std::string> fields;  // upper-cased
};

enum class FetchAttKind {
    Envelope,
    Flags,
    InternalDate,
    Rfc822,
    Rfc822Header,
    Rfc822Size,
    Rfc822Text,
    Body,
    BodyStructure,
    Uid,
    BodySection,
    Binary,
    BinarySize,
    Modseq,
    SaveDate,
    EmailId,
    ThreadId,
};

struct FetchAtt {
    FetchAttKind kind = FetchAttKind::Flags;
    bool peek = false;  // BODY.PEEK / BINARY.PEEK
    Section section;
    std::optional<std::pair<uint32_t, uint32_t>> partial;  // <offset.length>
};

struct FetchArgs {
    SeqSet set;
    std::vector<FetchAtt> atts;
    std::optional<uint64_t> changed_since;  // RFC 7162 §3.1.4
    bool vanished = false;                  // RFC 7162 §3.2.6
};

enum class StoreOp { Replace, Add, Remove };

struct StoreArgs {
    SeqSet set;
    StoreOp op = StoreOp::Replace;
    bool silent = false;
    std::vector<std::string> flags;
    std::optional<uint64_t> unchanged_since;  // RFC 7162 §3.1.3
};

struct CopyArgs {  // COPY and MOVE (RFC 6851)
    SeqSet set;
    Mailbox mailbox;
};

struct ExpungeArgs {
    std::optional<SeqSet> uids;  // UID EXPUNGE (RFC 4315 §2.1)
};

struct SortCriterion {
    std::string key;  // ARRIVAL CC DATE FROM SIZE SUBJECT TO DISPLAYFROM DISPLAYTO
    bool reverse = false;
};

struct SortArgs {  // RFC 5256 §3
    std::vector<SortCriterion> criteria;
    std::string charset;
    bool has_return = false;  // RFC 5267 ESORT
    std::vector<SearchReturn> returns;
    SearchKey key;
};

struct ThreadArgs {         // RFC 5256 §3
    std::string algorithm;  // ORDEREDSUBJECT, REFERENCES, ...
    std::string charset;
    SearchKey key;
};

struct QuotaArgs {  // GETQUOTA root / SETQUOTA root (resource limit ...) (RFC 9208)
    std::string root;
    std::vector<std::pair<std::string, uint64_t>> limits;
};

struct IdArgs {  // RFC 2971 §3.3; nullopt for "ID NIL"
    std::optional<std::vector<std::pair<std::string, std::optional<std::string>>>> params;
};

struct UnknownArgs {
    std::string name;
};

using CommandArgs = std::variant<std::monostate, AuthenticateArgs, LoginArgs, EnableArgs,
                                 SelectArgs, MailboxArgs, CreateArgs, RenameArgs, ListArgs,
                                 StatusArgs, AppendArgs, SearchArgs, FetchArgs, StoreArgs, CopyArgs,
                                 ExpungeArgs, SortArgs, ThreadArgs, QuotaArgs, IdArgs, UnknownArgs>;

struct Command {
    std::string tag;
    CommandKind kind = CommandKind::Unknown;
    bool uid = false;  // "UID" prefix (RFC 9051 §6.4.9)
    // A mailbox argument is not valid modified UTF-7 (or UTF-8 under UTF8=ACCEPT): the
    // command is well-formed, but names no mailbox there can be; the session answers NO.
    bool bad_mailbox_name = false;
    CommandArgs args;

    template <class T>
    const T& as() const {
        return std::get<T>(args);
    }
};

// Session state the grammar depends on.
struct ParseOptions {
    bool utf8 = false;  // UTF8=ACCEPT enabled (RFC 6855 §3): names are UTF-8, not modified UTF-7
};

struct ParseResult {
    std::optional<Command> command;  // set on success
    std::string tag;                 // the tag when readable, for the error response
    std::string error;               // why the command is malformed

    // "tag BAD text\r\n" / "* BAD text\r\n" (RFC 9051 §7.1.5); unknown commands say so.
    std::string bad_response() const;
};

// RFC 9051 §3: the connection state a command needs.
enum class CommandScope {
    Any,               // CAPABILITY NOOP LOGOUT ID (RFC 2971 §3.1), unknown commands
    NotAuthenticated,  // STARTTLS AUTHENTICATE LOGIN
    Authenticated,     // also valid in Selected state
    Selected,
};
CommandScope command_scope(CommandKind kind);

// Parses one raw command (as CommandReader delivers it: lines with CRLF and literal bytes).
ParseResult parse_command(std::string_view raw, const ParseOptions& options = {});

// During AUTHENTICATE and IDLE the server reads plain lines, not commands: it takes the
// raw line of the reader's next Command event (a SASL response, "*", or "DONE").
// "DONE" ends IDLE (RFC 2177 §3); true for that line, any case, with or without CRLF.
bool is_idle_done(std::string_view raw);

}  // namespace magpie::imap
