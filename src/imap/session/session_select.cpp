// The selected mailbox: SELECT/EXAMINE with CONDSTORE and QRESYNC (RFC 7162 §3.2.5),
// CLOSE/UNSELECT, message-number resolution, and the view's untagged updates — EXISTS,
// EXPUNGE or VANISHED, FETCH FLAGS — when other sessions or deliveries change the folder.
#include <fmt/format.h>

#include "imap/proto/response.h"
#include "imap/session/session.h"
#include "imap/session/session_internal.h"
#include "mailbox/flags.h"

namespace magpie::imap {

namespace {

// RFC 9051 §7.3.5 FLAGS and §7.1 PERMANENTFLAGS: at SELECT, and again whenever a new
// keyword appears in the folder (before any FETCH that shows it).
void append_flag_responses(std::string& out, const std::vector<std::string>& keywords,
                           bool readonly) {
    std::vector<std::string> flags = {"\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"};
    flags.insert(flags.end(), keywords.begin(), keywords.end());
    out += "* FLAGS ";
    append_flag_list(out, flags);
    out += "\r\n";
    if (readonly) {
        out += untagged(Status::Ok, code::permanentflags({}), "Read-only mailbox.");
    } else {
        flags.emplace_back("\\*");
        out += untagged(Status::Ok, code::permanentflags(flags), "Flags permitted.");
    }
}

std::vector<std::string> message_flags(const mailbox::MessageInfo& m, bool recent) {
    std::vector<std::string> flags;
    std::string sys = mailbox::flags_to_imap(m.flags);
    size_t p = 0;
    while (p < sys.size()) {
        size_t sp = sys.find(' ', p);
        if (sp == std::string::npos) sp = sys.size();
        if (sp > p) flags.push_back(sys.substr(p, sp - p));
        p = sp + 1;
    }
    if (recent) flags.emplace_back("\\Recent");
    for (const auto& k : m.keywords) flags.push_back(k);
    return flags;
}

}  // namespace

void Session::append_flags_fetch(std::string& out, uint32_t seq, bool with_uid) {
    const auto& m = sel_->view()[seq - 1];
    out += fmt::format("* {} FETCH (", seq);
    if (with_uid || qresync_) out += fmt::format("UID {} ", m.uid);
    out += "FLAGS ";
    append_flag_list(out, message_flags(m, !rev2_ && sel_->recent.count(m.uid) > 0));
    if (condstore_) out += fmt::format(" MODSEQ ({})", m.modseq);
    out += ")\r\n";
}

bool Session::resolve(const SeqSet& set, bool uid, std::vector<size_t>& idx) const {
    const auto& view = sel_->view();
    idx.clear();
    if (!uid) {
        uint32_t largest = static_cast<uint32_t>(view.size());
        if (!set.ranges.empty() && largest == 0) return false;
        for (const auto& r : set.ranges) {
            if (r.lo > largest || r.hi > largest) return false;
        }
    }
    // Each range becomes a span of view indices by lookup (UIDs ascend in the view), so
    // "FETCH 7" in a 10,000-message view costs one lookup rather than a pass over all of
    // them; overlapping spans are merged first, so "1:*,1:*,..." lists each message once.
    if (!set.ranges.empty() && !view.empty()) {
        uint32_t largest = uid ? view.back().uid : static_cast<uint32_t>(view.size());
        auto by_uid = [](const mailbox::MessageInfo& m, uint32_t u) { return m.uid < u; };
        std::vector<std::pair<size_t, size_t>> spans;  // [from, to)
        spans.reserve(set.ranges.size());
        for (const auto& r : set.ranges) {
            uint32_t a = r.lo == 0 ? largest : r.lo, b = r.hi == 0 ? largest : r.hi;
            if (a > b) std::swap(a, b);
            size_t from = a - 1, to = b;
            if (uid) {
                from = static_cast<size_t>(std::lower_bound(view.begin(), view.end(), a, by_uid) -
                                           view.begin());
                to = b == UINT32_MAX
                         ? view.size()
                         : static_cast<size_t>(
                               std::lower_bound(view.begin(), view.end(), b + 1, by_uid) -
                               view.begin());
            }
            if (from < to) spans.emplace_back(from, to);
        }
        std::sort(spans.begin(), spans.end());
        size_t next = 0;  // first index not yet listed
        for (auto [from, to] : spans) {
            for (size_t i = std::max(from, next); i < to; ++i) idx.push_back(i);
            next = std::max(next, to);
        }
    }
    if (set.saved) {
        for (uint32_t u : saved_uids_) {
            if (auto i = sel_->find(u); i >= 0) idx.push_back(static_cast<size_t>(i));
        }
        std::sort(idx.begin(), idx.end());
        idx.erase(std::unique(idx.begin(), idx.end()), idx.end());
    }
    return true;
}

void Session::cmd_select(const Command& cmd, std::string& out) {
    const auto& a = cmd.as<SelectArgs>();
    bool examine = cmd.kind == CommandKind::Examine;
    if (a.qresync && !qresync_) {
        out += tagged(cmd.tag, Status::Bad, "", "QRESYNC is not enabled");
        return;
    }
    if (sel_) {
        close_selected(false);
        out += untagged(Status::Ok, code::kClosed, "Previous mailbox closed");
    }
    auto folder = store_->folder(a.mailbox.name);
    if (!folder) {
        out += tagged(cmd.tag, Status::No, code::kNonExistent, "Mailbox doesn't exist");
        return;
    }
    if (a.condstore) condstore_ = true;  // SELECT's own untagged OK [HIGHESTMODSEQ] follows
    auto sel = std::make_unique<Selected>();
    sel->name = a.mailbox.name;
    sel->folder = folder;
    sel->readonly = examine;
    auto sync = folder->sync(!examine);
    sel->recent.insert(sync.recent.begin(), sync.recent.end());
    sel->snap = sel->base = folder->snapshot();
    if (!sel->snap->messages.empty()) {
        // Messages APPENDed or COPYed here that no session was told of yet (EXAMINE shows
        // them \Recent and leaves them so for the next SELECT).
        auto mine = folder->claim_recent(sel->snap->messages.back().uid, !examine);
        sel->recent.insert(mine.begin(), mine.end());
    }
    sel->modseq = sel->snap->highest_modseq;
    sel->uidvalidity = folder->uidvalidity();
    sel->uidnext = folder->uid_next();

    auto keywords = folder->keyword_names();
    sel->keywords_announced = keywords.size();
    append_flag_responses(out, keywords, examine);
    out += fmt::format("* {} EXISTS\r\n", sel->view().size());
    if (!rev2_) {
        out += fmt::format("* {} RECENT\r\n", sel->recent.size());
        for (size_t i = 0; i < sel->view().size(); ++i) {
            if (!(sel->view()[i].flags & mailbox::kSeen)) {
                out += untagged(Status::Ok, code::unseen(static_cast<uint32_t>(i + 1)),
                                fmt::format("First unseen."));
                break;
            }
        }
    }
    out += untagged(Status::Ok, code::uidvalidity(sel->uidvalidity), "UIDs valid");
    out += untagged(Status::Ok, code::uidnext(sel->uidnext), "Predicted next UID");
    out += untagged(Status::Ok, code::highestmodseq(sel->modseq), "Highest");
    sel_ = std::move(sel);

    if (a.qresync && a.qresync->uidvalidity == sel_->uidvalidity) {
        const auto& q = *a.qresync;
        uint32_t top = sel_->uidnext > 0 ? sel_->uidnext - 1 : 0;
        auto known = [&](uint32_t uid) {
            return !q.known_uids || q.known_uids->contains(uid, top);
        };
        bool complete = false;
        std::vector<uint32_t> vanished;
        for (uint32_t u : folder->vanished_since(q.modseq, &complete)) {
            if (known(u)) vanished.push_back(u);
        }
        if (!complete) {
            // History too short: every known UID that no longer exists (RFC 7162 §3.2.5.2).
            vanished.clear();
            if (q.known_uids) {
                for (const auto& r : q.known_uids->ranges) {
                    uint32_t lo = r.lo == 0 ? top : r.lo, hi = r.hi == 0 ? top : r.hi;
                    if (lo > hi) std::swap(lo, hi);
                    hi = std::min(hi, top);
                    for (uint32_t u = lo; u <= hi && u != 0; ++u) {
                        if (sel_->find(u) < 0) vanished.push_back(u);
                    }
                }
            }
        }
        if (!vanished.empty()) out += "* VANISHED (EARLIER) " + format_numbers(vanished) + "\r\n";
        for (size_t i = 0; i < sel_->view().size(); ++i) {
            if (sel_->view()[i].modseq > q.modseq && known(sel_->view()[i].uid)) {
                append_flags_fetch(out, static_cast<uint32_t>(i + 1), true);
            }
        }
    }
    out += tagged(cmd.tag, Status::Ok, examine ? code::kReadOnly : code::kReadWrite,
                  examine ? "EXAMINE completed" : "SELECT completed");
}

void Session::close_selected(bool expunge) {
    if (!sel_) return;
    if (expunge) {
        trash_deleted(nullptr);
        auto gone = sel_->folder->expunge_deleted();
        if (!gone.empty()) {
            action_log(fmt::format("expunge: box={}, uids={}", sel_->name, format_numbers(gone)));
            env_.registry->notify(sel_->folder->dir());
        }
    }
    sel_.reset();
    pending_.reset();
}

void Session::ensure_dates() {
    if (!sel_ || sel_->snap->dates_known) return;
    auto copy = std::make_shared<mailbox::Snapshot>(*sel_->snap);
    sel_->folder->fill_dates(copy->messages);
    copy->dates_known = true;
    sel_->snap = std::move(copy);
}

void Session::sync_view(std::string& out, bool expunges) {
    auto r = sel_->folder->sync(!sel_->readonly);
    sel_->recent.insert(r.recent.begin(), r.recent.end());
    refresh_view(out, expunges);
}

void Session::refresh_view(std::string& out, bool expunges, const std::vector<uint32_t>* own) {
    auto& s = *sel_;
    auto fresh = s.folder->snapshot();
    if (fresh == s.base && (s.gone.empty() || !expunges)) return;
    const auto& now = fresh->messages;
    const auto& view = s.view();
    std::unordered_set<uint32_t> mine;
    if (own) mine.insert(own->begin(), own->end());

    // Usually the folder's snapshot becomes the view as it is; only expunges held back
    // need a merged copy, which is built once the first held-back message is found.
    mailbox::MessageList merged;
    bool merging = false;
    std::vector<uint32_t> expunged_seqs, expunged_uids, changed_uids;
    std::unordered_set<uint32_t> gone;
    size_t j = 0;
    for (size_t i = 0; i < view.size(); ++i) {
        // A chunk both lists share holds the same messages: nothing in it changed.
        constexpr size_t kChunk = mailbox::MessageList::kChunk;
        if (i == j && !merging && i % kChunk == 0 && view.same_chunk(now, i / kChunk) &&
            i + kChunk <= view.size()) {
            i += kChunk - 1;
            j += kChunk;
            continue;
        }
        const auto& old = view[i];
        while (j < now.size() && now[j].uid < old.uid) ++j;  // cannot happen: new UIDs grow
        if (j < now.size() && now[j].uid == old.uid) {
            const auto& cur = now[j++];
            if (cur.modseq != old.modseq &&
                (cur.flags != old.flags || cur.keywords != old.keywords) && !mine.count(old.uid)) {
                changed_uids.push_back(old.uid);
            }
            if (merging) merged.push_back(cur);
        } else if (expunges) {
            expunged_seqs.push_back(static_cast<uint32_t>(i + 1));
            expunged_uids.push_back(old.uid);
            s.recent.erase(old.uid);
        } else {
            if (!merging) {
                merging = true;
                for (size_t k = 0; k < j; ++k) merged.push_back(now[k]);
            }
            gone.insert(old.uid);
            merged.push_back(old);
        }
    }
    uint32_t last_uid = view.empty() ? 0 : view.back().uid;
    size_t before = view.size() - expunged_seqs.size();
    size_t added = 0;
    for (; j < now.size(); ++j) {
        if (now[j].uid <= last_uid) continue;
        ++added;
        if (merging) merged.push_back(now[j]);
    }
    if (merging) {
        auto own_snap = std::make_shared<mailbox::Snapshot>();
        own_snap->messages = std::move(merged);
        own_snap->highest_modseq = fresh->highest_modseq;
        s.snap = std::move(own_snap);
    } else {
        s.snap = fresh;
    }
    s.base = fresh;
    s.gone = std::move(gone);
    s.modseq = fresh->highest_modseq;
    s.uidnext = s.folder->uid_next();

    if (!expunged_seqs.empty()) {
        if (qresync_) {
            out += "* VANISHED " + format_numbers(expunged_uids) + "\r\n";
        } else {
            for (auto it = expunged_seqs.rbegin(); it != expunged_seqs.rend(); ++it) {
                out += fmt::format("* {} EXPUNGE\r\n", *it);
            }
        }
    }
    if (added > 0) {
        // RFC 3501 §2.3.2: this session is the first told of what another session (or
        // this one) appended or copied here, so those are \Recent here and nowhere else.
        auto mine = s.folder->claim_recent(now.back().uid, !s.readonly);
        s.recent.insert(mine.begin(), mine.end());
        out += fmt::format("* {} EXISTS\r\n", before + added);
        if (!rev2_) out += fmt::format("* {} RECENT\r\n", s.recent.size());
    }
    if (added > 0 || !changed_uids.empty() || own) {
        auto keywords = s.folder->keyword_names();
        if (keywords.size() != s.keywords_announced) {
            s.keywords_announced = keywords.size();
            append_flag_responses(out, keywords, s.readonly);
        }
    }
    for (uint32_t uid : changed_uids) {
        auto i = s.find(uid);
        if (i >= 0) append_flags_fetch(out, static_cast<uint32_t>(i + 1), false);
    }
}

void Session::enable_condstore(std::string& out) {
    if (condstore_) return;
    condstore_ = true;
    // RFC 7162 §3.1: a CONDSTORE-enabling command in the selected state makes the server
    // send the mailbox's HIGHESTMODSEQ; unsolicited FETCHes carry MODSEQ from now on.
    if (sel_) out += untagged(Status::Ok, code::highestmodseq(sel_->modseq), "Highest");
}

}  // namespace magpie::imap
