// Mailbox-level IMAP commands: CREATE (RFC 6154 USE), DELETE, RENAME, SUBSCRIBE,
// UNSUBSCRIBE, LIST with LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819) and SPECIAL-USE
// (RFC 6154), LSUB, NAMESPACE (RFC 2342), STATUS (RFC 8438 SIZE, RFC 7889 APPENDLIMIT),
// the QUOTA commands (RFC 9208) and APPEND with MULTIAPPEND (RFC 3502) and UIDPLUS.
#include <fmt/format.h>

#include <cerrno>
#include <map>
#include <set>
#include <system_error>

#include "core/strings.h"
#include "imap/proto/response.h"
#include "imap/session/list_match.h"
#include "imap/session/session.h"
#include "imap/session/session_internal.h"
#include "mailbox/flags.h"
#include "store/quota.h"

namespace magpie::imap {

namespace {

std::string strip_trailing_delimiter(std::string name) {
    while (name.size() > 1 && name.back() == '.') name.pop_back();
    return name;
}

}  // namespace

void Session::cmd_create(const Command& cmd, std::string& out) {
    const auto& a = cmd.as<CreateArgs>();
    std::string name = strip_trailing_delimiter(a.mailbox.name);
    if (!a.use.empty()) {
        std::string use = mailbox::special_use_of(name);
        for (const auto& u : a.use) {
            if (to_lower(u) != to_lower(use)) {
                out += tagged(cmd.tag, Status::No, "USEATTR",
                              "Special-use attributes follow the folder name here");
                return;
            }
        }
    }
    switch (store_->create(name)) {
        case mailbox::StoreError::None:
            action_log(fmt::format("create: box={}", name));
            out += tagged(cmd.tag, Status::Ok, "", "CREATE completed");
            return;
        case mailbox::StoreError::Exists:
            out += tagged(cmd.tag, Status::No, code::kAlreadyExists, "Mailbox already exists");
            return;
        default:
            out += tagged(cmd.tag, Status::No, code::kCannot, "Invalid mailbox name");
            return;
    }
}

void Session::cmd_delete(const Command& cmd, std::string& out) {
    const std::string& name = cmd.as<MailboxArgs>().mailbox.name;
    if (name == "INBOX") {
        out += tagged(cmd.tag, Status::No, code::kCannot, "INBOX can't be deleted");
        return;
    }
    if (sel_ && sel_->name == name) close_selected(false);
    switch (store_->remove(name)) {
        case mailbox::StoreError::None:
            action_log(fmt::format("delete: box={}", name));
            out += tagged(cmd.tag, Status::Ok, "", "DELETE completed");
            return;
        case mailbox::StoreError::NotFound:
            out += tagged(cmd.tag, Status::No, code::kNonExistent, "Mailbox doesn't exist");
            return;
        case mailbox::StoreError::HasInferiors:
            out += tagged(cmd.tag, Status::No, code::kInUse, "Mailbox has children, delete them first");
            return;
        default:
            out += tagged(cmd.tag, Status::No, code::kCannot, "Mailbox can't be deleted");
            return;
    }
}

void Session::cmd_rename(const Command& cmd, std::string& out) {
    const auto& a = cmd.as<RenameArgs>();
    std::string to = strip_trailing_delimiter(a.to.name);
    if (a.from.name == "INBOX") {
        // RFC 9051 §6.3.6: the messages move to the new mailbox, INBOX stays (empty).
        if (store_->exists(to)) {
            out += tagged(cmd.tag, Status::No, code::kAlreadyExists, "Target mailbox already exists");
            return;
        }
        if (store_->create(to) != mailbox::StoreError::None) {
            out += tagged(cmd.tag, Status::No, code::kCannot, "Invalid mailbox name");
            return;
        }
        auto inbox = store_->folder("INBOX");
        auto target = store_->folder(to);
        inbox->sync(false);
        std::vector<uint32_t> uids;
        for (const auto& m : inbox->snapshot()->messages) uids.push_back(m.uid);
        mailbox::copy_messages(*inbox, *target, uids, true);
        env_.registry->notify(inbox->dir());
        action_log(fmt::format("rename: box=INBOX, to={}", to));
        out += tagged(cmd.tag, Status::Ok, "", "RENAME completed");
        return;
    }
    if (sel_ && (sel_->name == a.from.name || sel_->name.rfind(a.from.name + ".", 0) == 0)) {
        close_selected(false);
    }
    switch (store_->rename(a.from.name, to)) {
        case mailbox::StoreError::None:
            action_log(fmt::format("rename: box={}, to={}", a.from.name, to));
            out += tagged(cmd.tag, Status::Ok, "", "RENAME completed");
            return;
        case mailbox::StoreError::NotFound:
            out += tagged(cmd.tag, Status::No, code::kNonExistent, "Mailbox doesn't exist");
            return;
        case mailbox::StoreError::Exists:
            out += tagged(cmd.tag, Status::No, code::kAlreadyExists, "Target mailbox already exists");
            return;
        default:
            out += tagged(cmd.tag, Status::No, code::kCannot, "Invalid mailbox name");
            return;
    }
}

void Session::cmd_subscribe(const Command& cmd, bool on, std::string& out) {
    store_->subscribe(strip_trailing_delimiter(cmd.as<MailboxArgs>().mailbox.name), on);
    out += tagged(cmd.tag, Status::Ok, "", on ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
}

void Session::cmd_namespace(const Command& cmd, std::string& out) {
    out += "* NAMESPACE ((\"\" \".\")) NIL NIL\r\n";
    out += tagged(cmd.tag, Status::Ok, "", "NAMESPACE completed");
}

// -- LIST ---------------------------------------------------------------------------------

namespace {

struct ListEntry {
    std::vector<std::string> attrs;
    bool selectable = true;
    bool childinfo_subscribed = false;
};

}  // namespace

void Session::cmd_list(const Command& cmd, std::string& out) {
    const auto& a = cmd.as<ListArgs>();
    auto has = [](const std::vector<std::string>& v, const char* s) {
        return std::find(v.begin(), v.end(), s) != v.end();
    };
    bool sel_subscribed = has(a.selection, "SUBSCRIBED");
    bool sel_special = has(a.selection, "SPECIAL-USE");
    bool recursive = has(a.selection, "RECURSIVEMATCH");
    bool ret_subscribed = has(a.returns, "SUBSCRIBED") || sel_subscribed;
    if (recursive && !sel_subscribed && !sel_special) {
        out += tagged(cmd.tag, Status::Bad, "", "RECURSIVEMATCH needs another selection option");
        return;
    }
    if (a.patterns.size() == 1 && a.patterns[0].empty() && a.selection.empty()) {
        out += "* LIST (\\Noselect) \".\" \"\"\r\n";
        out += tagged(cmd.tag, Status::Ok, "", "LIST completed");
        return;
    }
    std::vector<std::string> patterns;
    for (const auto& p : a.patterns) patterns.push_back(canonical_pattern(a.reference + p));

    auto folders = store_->list();
    std::set<std::string> subscribed;
    for (auto& s : store_->subscriptions()) subscribed.insert(s);
    std::map<std::string, ListEntry> result;
    std::map<std::string, const mailbox::FolderEntry*> by_name;
    for (const auto& f : folders) by_name[f.name] = &f;

    auto matches = [&](const std::string& name) {
        for (const auto& p : patterns) {
            if (list_match(p, name)) return true;
        }
        return false;
    };
    auto attrs_of = [&](const std::string& name, ListEntry& e) {
        auto it = by_name.find(name);
        if (it == by_name.end()) {
            e.attrs.emplace_back("\\NonExistent");
            e.selectable = false;
            return;
        }
        const auto& f = *it->second;
        if (f.no_select) {
            e.attrs.emplace_back("\\NonExistent");
            e.selectable = false;
        }
        e.attrs.emplace_back(f.has_children ? "\\HasChildren" : "\\HasNoChildren");
        if (!f.special_use.empty()) e.attrs.push_back(f.special_use);
    };

    if (sel_subscribed) {
        for (const auto& name : subscribed) {
            if (matches(name)) {
                ListEntry e;
                attrs_of(name, e);
                result[name] = std::move(e);
            }
            if (recursive && !matches(name)) {
                // RFC 5258 §3.3 rule 2B: parents that match but are not subscribed, with a
                // subscribed descendant that does not match a pattern itself.
                for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
                    std::string parent = name.substr(0, dot);
                    if (subscribed.count(parent) || !matches(parent)) continue;
                    auto& e = result[parent];
                    if (e.attrs.empty()) attrs_of(parent, e);
                    e.childinfo_subscribed = true;
                }
            }
        }
    } else {
        for (const auto& f : folders) {
            if (!matches(f.name)) continue;
            if (sel_special && f.special_use.empty()) continue;
            ListEntry e;
            attrs_of(f.name, e);
            result[f.name] = std::move(e);
        }
    }
    for (auto& [name, e] : result) {
        if (ret_subscribed && subscribed.count(name)) e.attrs.emplace_back("\\Subscribed");
        out += "* LIST ";
        append_flag_list(out, e.attrs);
        out += " \".\" ";
        append_mailbox(out, name, false);
        if (e.childinfo_subscribed) out += " (\"CHILDINFO\" (\"SUBSCRIBED\"))";
        out += "\r\n";
        if (!a.status.empty() && e.selectable) append_status(out, name, a.status);
    }
    out += tagged(cmd.tag, Status::Ok, "", "LIST completed");
}

void Session::cmd_lsub(const Command& cmd, std::string& out) {
    const auto& a = cmd.as<ListArgs>();
    std::string pattern = canonical_pattern(a.reference + (a.patterns.empty() ? "" : a.patterns[0]));
    std::set<std::string> subscribed;
    for (auto& s : store_->subscriptions()) subscribed.insert(s);
    std::map<std::string, bool> result;  // name -> \Noselect
    for (const auto& name : subscribed) {
        if (list_match(pattern, name)) {
            result[name] = !store_->exists(name);
            continue;
        }
        // RFC 3501 §6.3.9: a "%" that stops at a parent lists the parent as \Noselect.
        for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
            std::string parent = name.substr(0, dot);
            if (list_match(pattern, parent) && !subscribed.count(parent)) result.emplace(parent, true);
        }
    }
    for (const auto& [name, noselect] : result) {
        out += noselect ? "* LSUB (\\Noselect) \".\" " : "* LSUB () \".\" ";
        append_mailbox(out, name, false);
        out += "\r\n";
    }
    out += tagged(cmd.tag, Status::Ok, "", "LSUB completed");
}

// -- STATUS ---------------------------------------------------------------------------------

void Session::append_status(std::string& out, const std::string& name,
                            const std::vector<StatusItem>& items) {
    auto folder = store_->folder(name);
    if (!folder) return;
    folder->sync(false);
    auto st = folder->status();
    out += "* STATUS ";
    append_mailbox(out, name, false);
    out += " (";
    bool first = true;
    auto item = [&](std::string_view key, uint64_t v) {
        if (!first) out += ' ';
        first = false;
        out += fmt::format("{} {}", key, v);
    };
    for (auto i : items) {
        switch (i) {
            case StatusItem::Messages: item("MESSAGES", st.messages); break;
            case StatusItem::Recent: item("RECENT", st.recent); break;
            case StatusItem::UidNext: item("UIDNEXT", st.uidnext); break;
            case StatusItem::UidValidity: item("UIDVALIDITY", st.uidvalidity); break;
            case StatusItem::Unseen: item("UNSEEN", st.unseen); break;
            case StatusItem::Deleted: item("DELETED", st.deleted); break;
            case StatusItem::Size: item("SIZE", st.size); break;
            case StatusItem::HighestModseq: item("HIGHESTMODSEQ", st.highest_modseq); break;
            case StatusItem::AppendLimit:
                item("APPENDLIMIT", static_cast<uint64_t>(snap()->settings.max_message_size));
                break;
            case StatusItem::MailboxId: break;  // OBJECTID (RFC 8474) is not offered
        }
    }
    out += ")\r\n";
}

void Session::cmd_status(const Command& cmd, std::string& out) {
    const auto& a = cmd.as<StatusArgs>();
    if (!store_->folder(a.mailbox.name)) {
        out += tagged(cmd.tag, Status::No, code::kNonExistent, "Mailbox doesn't exist");
        return;
    }
    append_status(out, a.mailbox.name, a.items);
    out += tagged(cmd.tag, Status::Ok, "", "STATUS completed");
}

// -- QUOTA ----------------------------------------------------------------------------------

uint64_t Session::quota_limit() const {
    return store::quota_of(*snap(), user_);
}

bool Session::quota_allows(uint64_t bytes) {
    uint64_t limit = quota_limit();
    return limit == 0 || store::quota_fits(limit, store_->quota_usage().bytes, bytes);
}

void Session::cmd_quota(const Command& cmd, std::string& out) {
    if (cmd.kind == CommandKind::SetQuota) {
        out += tagged(cmd.tag, Status::No, code::kNoPerm, "Quotas are set by the administrator");
        return;
    }
    std::string root;
    if (cmd.kind == CommandKind::GetQuotaRoot) {
        const std::string& name = cmd.as<MailboxArgs>().mailbox.name;
        if (!store_->exists(name)) {
            out += tagged(cmd.tag, Status::No, code::kNonExistent, "Mailbox doesn't exist");
            return;
        }
        out += "* QUOTAROOT ";
        append_mailbox(out, name, false);
        out += " \"\"\r\n";
    } else if (!cmd.as<QuotaArgs>().root.empty()) {
        out += tagged(cmd.tag, Status::No, code::kNonExistent, "No such quota root");
        return;
    }
    uint64_t limit = quota_limit();
    out += "* QUOTA \"\" (";
    if (limit > 0) {
        auto use = store_->quota_usage();
        out += fmt::format("STORAGE {} {}", (use.bytes + 1023) / 1024, limit / 1024);
    }
    out += ")\r\n";
    out += tagged(cmd.tag, Status::Ok, "",
                  cmd.kind == CommandKind::GetQuota ? "GETQUOTA completed" : "GETQUOTAROOT completed");
}

// -- APPEND ---------------------------------------------------------------------------------

std::string Session::literal_refusal(std::string_view partial, size_t size) {
    // "tag APPEND ..." (any case); other commands' literals are small and bounded by the reader.
    size_t sp = partial.find(' ');
    if (sp == std::string_view::npos || user_.empty()) return "";
    std::string tag(partial.substr(0, sp));
    std::string_view rest = partial.substr(sp + 1);
    if (rest.size() < 7 || to_lower(rest.substr(0, 7)) != "append ") return "";
    if (size > static_cast<size_t>(snap()->settings.max_message_size)) {
        return tagged(tag, Status::No, code::kTooBig, "Message is larger than the size limit");
    }
    if (!quota_allows(size)) {
        return tagged(tag, Status::No, code::kOverQuota, "Quota exceeded (mailbox for user is full)");
    }
    return "";
}

Step Session::cmd_append(const Command& cmd, std::string& out) {
    const auto& a = cmd.as<AppendArgs>();
    auto folder = store_->folder(a.mailbox.name);
    if (!folder) {
        out += tagged(cmd.tag, Status::No, code::kTryCreate, "Mailbox doesn't exist");
        return {};
    }
    uint64_t total = 0;
    for (const auto& m : a.messages) {
        if (m.data.empty()) {
            out += tagged(cmd.tag, Status::No, "", "Can't save a zero-length message");
            return {};
        }
        if (m.data.size() > static_cast<size_t>(snap()->settings.max_message_size)) {
            out += tagged(cmd.tag, Status::No, code::kTooBig, "Message is larger than the size limit");
            return {};
        }
        total += m.data.size();
    }
    if (!quota_allows(total)) {
        out += tagged(cmd.tag, Status::No, code::kOverQuota, "Quota exceeded (mailbox for user is full)");
        return {};
    }
    std::vector<uint32_t> uids;
    try {
        for (const auto& m : a.messages) {
            mailbox::AppendRequest req;
            req.data = m.data;
            for (const auto& f : m.flags) {
                if (auto bit = mailbox::flag_from_imap(f)) {
                    req.flags |= *bit;
                } else if (!f.empty() && f[0] != '\\') {
                    req.keywords.push_back(f);
                }
            }
            req.internal_date = m.date ? m.date->utc : 0;
            uids.push_back(folder->append(req));
        }
    } catch (const std::system_error& e) {
        if (!uids.empty()) folder->expunge_uids(uids);  // MULTIAPPEND is all or nothing
        bool full = e.code().value() == ENOSPC || e.code().value() == EDQUOT;
        out += tagged(cmd.tag, Status::No, full ? code::kOverQuota : code::kServerBug,
                      full ? "Not enough disk space" : "Internal error saving the message");
        return {};
    }
    env_.registry->notify(folder->dir());
    action_log(fmt::format("append: box={}, uids={}", a.mailbox.name, format_numbers(uids)));
    out += tagged(cmd.tag, Status::Ok, code::appenduid(folder->uidvalidity(), uids), "APPEND completed");
    return {};
}

}  // namespace magpie::imap
