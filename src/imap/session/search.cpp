// SEARCH evaluation: the key tree is compiled once per command (search strings folded,
// dates turned into time ranges, And children ordered cheapest first), then run over the
// messages with one MessageText whose buffers are reused from message to message.
#include "imap/session/search.h"

#include <algorithm>
#include <ctime>
#include <memory>

#include "core/strings.h"
#include "imap/session/search_text.h"
#include "imap/session/sent_date.h"
#include "mailbox/flags.h"
#include "mime/charset.h"

namespace magpie::imap {

namespace {

using K = SearchKeyKind;

// What evaluating a key costs: index data only, the header block, or the whole message.
enum Cost { kIndex = 0, kHeader = 1, kBody = 2 };

struct Node {
    K kind = K::All;
    const SearchKey* key = nullptr;
    std::vector<Node> children;
    std::unique_ptr<Needle> needle;
    int64_t lo = 0, hi = 0;  // [lo, hi): seconds for BEFORE/ON/SINCE, days for SENT*
    Cost cost = kIndex;
};

struct Program {
    Node root;
    std::vector<uint32_t> saved;  // sorted copy of SearchContext::saved_uids
};

// Local midnight starting `d`, in the server's time zone (as Dovecot compares INTERNALDATE).
int64_t local_midnight(const Date& d, int add_days) {
    std::tm t{};
    t.tm_year = d.year - 1900;
    t.tm_mon = d.month - 1;
    t.tm_mday = d.day + add_days;
    t.tm_isdst = -1;
    return static_cast<int64_t>(std::mktime(&t));
}

int64_t floor_div(int64_t a, int64_t b) {
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

Node compile(const SearchKey& k) {
    Node n;
    n.kind = k.kind;
    n.key = &k;
    switch (k.kind) {
        case K::And:
        case K::Or:
        case K::Not:
            for (const SearchKey& c : k.children) {
                n.children.push_back(compile(c));
                n.cost = std::max(n.cost, n.children.back().cost);
            }
            std::stable_sort(n.children.begin(), n.children.end(),
                             [](const Node& a, const Node& b) { return a.cost < b.cost; });
            break;
        case K::Bcc:
        case K::Cc:
        case K::From:
        case K::To:
        case K::Subject:
            n.needle = std::make_unique<Needle>(k.str);
            n.cost = kHeader;
            break;
        case K::Header:
            n.needle = std::make_unique<Needle>(k.str2);
            n.cost = kHeader;
            break;
        case K::Body:
        case K::Text:
            n.needle = std::make_unique<Needle>(k.str);
            n.cost = kBody;
            break;
        case K::Before:
        case K::On:
        case K::Since:
        case K::SaveDateBefore:
        case K::SaveDateOn:
        case K::SaveDateSince:
            n.lo = local_midnight(k.date, 0);
            n.hi = local_midnight(k.date, 1);
            break;
        case K::SentBefore:
        case K::SentOn:
        case K::SentSince:
            n.lo = k.date.days();
            n.hi = n.lo + 1;
            n.cost = kHeader;
            break;
        default:
            break;
    }
    return n;
}

bool in_range(K kind, int64_t t, int64_t lo, int64_t hi) {
    switch (kind) {
        case K::Before:
        case K::SentBefore:
        case K::SaveDateBefore:
            return t < lo;
        case K::On:
        case K::SentOn:
        case K::SaveDateOn:
            return t >= lo && t < hi;
        default:
            return t >= lo;
    }
}

class Evaluator {
  public:
    Evaluator(const Program& p, const SearchContext& ctx) : p_(p), ctx_(ctx) {}

    bool matches(uint32_t seq, MessageData& msg) {
        text_.reset(&msg);
        return eval(p_.root, seq, msg);
    }

  private:
    const Program& p_;
    const SearchContext& ctx_;
    MessageText text_;

    bool saved(uint32_t uid) const {
        return std::binary_search(p_.saved.begin(), p_.saved.end(), uid);
    }
    bool recent(uint32_t uid) const { return ctx_.is_recent && ctx_.is_recent(uid); }
    bool has_keyword(const mailbox::MessageInfo& info, std::string_view name) const {
        for (const std::string& kw : info.keywords)
            if (iequals(kw, name)) return true;
        return false;
    }

    bool eval(const Node& n, uint32_t seq, MessageData& msg) {
        const mailbox::MessageInfo& info = msg.info();
        const SearchKey& k = *n.key;
        switch (n.kind) {
            case K::All:
                return true;
            case K::And:
                for (const Node& c : n.children)
                    if (!eval(c, seq, msg)) return false;
                return true;
            case K::Or:
                for (const Node& c : n.children)
                    if (eval(c, seq, msg)) return true;
                return false;
            case K::Not:
                return !n.children.empty() && !eval(n.children[0], seq, msg);
            case K::SeqSet:
                return k.set.contains(seq, ctx_.max_seq) || (k.set.saved && saved(info.uid));
            case K::Uid:
                return k.set.contains(info.uid, ctx_.max_uid) || (k.set.saved && saved(info.uid));
            case K::Answered:
                return info.flags & mailbox::kAnswered;
            case K::Deleted:
                return info.flags & mailbox::kDeleted;
            case K::Draft:
                return info.flags & mailbox::kDraft;
            case K::Flagged:
                return info.flags & mailbox::kFlagged;
            case K::Seen:
                return info.flags & mailbox::kSeen;
            case K::Unanswered:
                return !(info.flags & mailbox::kAnswered);
            case K::Undeleted:
                return !(info.flags & mailbox::kDeleted);
            case K::Undraft:
                return !(info.flags & mailbox::kDraft);
            case K::Unflagged:
                return !(info.flags & mailbox::kFlagged);
            case K::Unseen:
                return !(info.flags & mailbox::kSeen);
            case K::Recent:
                return recent(info.uid);
            case K::New:
                return recent(info.uid) && !(info.flags & mailbox::kSeen);
            case K::Old:
                return !recent(info.uid);
            case K::Keyword:
                return has_keyword(info, k.str);
            case K::Unkeyword:
                return !has_keyword(info, k.str);
            case K::Bcc:
                return text_.address_contains("bcc", *n.needle);
            case K::Cc:
                return text_.address_contains("cc", *n.needle);
            case K::From:
                return text_.address_contains("from", *n.needle);
            case K::To:
                return text_.address_contains("to", *n.needle);
            case K::Subject:
                return text_.header_contains("subject", *n.needle);
            case K::Header:
                return text_.header_contains(k.str, *n.needle);
            case K::Body:
                return text_.body_contains(*n.needle);
            case K::Text:
                return text_.text_contains(*n.needle);
            case K::Before:
            case K::On:
            case K::Since:
                return in_range(n.kind, info.internal_date, n.lo, n.hi);
            case K::SaveDateBefore:
            case K::SaveDateOn:
            case K::SaveDateSince:
                return in_range(n.kind, info.save_date ? info.save_date : info.internal_date, n.lo,
                                n.hi);
            case K::SentBefore:
            case K::SentOn:
            case K::SentSince: {
                auto date = header_date(text_.fields());
                if (!date) return false;
                int64_t day = floor_div(date->utc + int64_t(date->tz_minutes) * 60, 86400);
                return in_range(n.kind, day, n.lo, n.hi);
            }
            case K::Larger:
                return info.size > k.number;
            case K::Smaller:
                return info.size < k.number;
            case K::Modseq:
                return info.modseq >= k.number;
            case K::Older:
                return info.internal_date <= ctx_.now - int64_t(k.number);
            case K::Younger:
                return info.internal_date > ctx_.now - int64_t(k.number);
            case K::SaveDateSupported:
                return true;
            case K::EmailId:
            case K::ThreadId:
                return false;
        }
        return false;
    }
};

Program make_program(const SearchKey& key, const SearchContext& ctx) {
    Program p;
    p.root = compile(key);
    if (ctx.saved_uids) {
        p.saved = *ctx.saved_uids;
        std::sort(p.saved.begin(), p.saved.end());
    }
    return p;
}

bool convert_strings(SearchKey& k, const std::string& charset) {
    auto convert = [&](std::string& s) {
        std::string out;
        bool known = mime::to_utf8(charset, s, out);
        s = std::move(out);
        return known;
    };
    switch (k.kind) {
        case K::Bcc:
        case K::Cc:
        case K::From:
        case K::To:
        case K::Subject:
        case K::Body:
        case K::Text:
            if (!convert(k.str)) return false;
            break;
        case K::Header:
            if (!convert(k.str2)) return false;
            break;
        default:
            break;
    }
    for (SearchKey& c : k.children)
        if (!convert_strings(c, charset)) return false;
    return true;
}

}  // namespace

bool prepare_search(SearchKey& key, const std::string& charset) {
    if (charset.empty() || iequals(charset, "US-ASCII") || iequals(charset, "UTF-8")) return true;
    std::string probe;
    if (!mime::to_utf8(charset, "", probe)) return false;
    return convert_strings(key, charset);
}

bool search_matches(const SearchKey& key, uint32_t seq, MessageData& msg,
                    const SearchContext& ctx) {
    Program p = make_program(key, ctx);
    return Evaluator(p, ctx).matches(seq, msg);
}

std::vector<uint32_t> run_search(const SearchKey& key, std::vector<MessageData>& msgs,
                                 const SearchContext& ctx) {
    Program p = make_program(key, ctx);
    Evaluator ev(p, ctx);
    std::vector<uint32_t> out;
    for (size_t i = 0; i < msgs.size(); ++i) {
        uint32_t seq = static_cast<uint32_t>(i + 1);
        if (ev.matches(seq, msgs[i])) out.push_back(seq);
        if (p.root.cost != kIndex) msgs[i].release();
    }
    return out;
}

}  // namespace magpie::imap
