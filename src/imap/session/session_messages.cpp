// Message commands of the selected state: FETCH (streamed in chunks, CHANGEDSINCE and
// VANISHED per RFC 7162), STORE (UNCHANGEDSINCE), SEARCH with ESEARCH (RFC 4731) and
// SEARCHRES (RFC 5182), SORT and THREAD (RFC 5256), COPY and MOVE (RFC 6851) with
// COPYUID, and EXPUNGE / UID EXPUNGE (RFC 4315), with the move-to-Trash option.
#include <fmt/format.h>

#include <ctime>

#include "core/strings.h"
#include "filter/bayes_training.h"
#include "imap/proto/response.h"
#include "imap/session/search.h"
#include "imap/session/session.h"
#include "imap/session/session_internal.h"
#include "imap/session/sort.h"
#include "mailbox/flags.h"

namespace magpie::imap {

namespace {

bool uses_modseq(const SearchKey& k) {
    if (k.kind == SearchKeyKind::Modseq) return true;
    for (const auto& c : k.children) {
        if (uses_modseq(c)) return true;
    }
    return false;
}

bool uses_dates(const SearchKey& k) {
    switch (k.kind) {
        case SearchKeyKind::Before:
        case SearchKeyKind::On:
        case SearchKeyKind::Since:
        case SearchKeyKind::Older:
        case SearchKeyKind::Younger:
        case SearchKeyKind::SaveDateBefore:
        case SearchKeyKind::SaveDateOn:
        case SearchKeyKind::SaveDateSince:
            return true;
        default:
            break;
    }
    for (const auto& c : k.children) {
        if (uses_dates(c)) return true;
    }
    return false;
}

bool fetches_dates(const std::vector<FetchAtt>& atts) {
    for (const auto& a : atts) {
        if (a.kind == FetchAttKind::InternalDate || a.kind == FetchAttKind::SaveDate) return true;
    }
    return false;
}

std::vector<MessageData> view_messages(const mailbox::MessageList& view, mailbox::Folder* f) {
    std::vector<MessageData> msgs;
    msgs.reserve(view.size());
    for (const auto& m : view) msgs.emplace_back(m, f);
    return msgs;
}

}  // namespace

// -- FETCH ----------------------------------------------------------------------------------

Step Session::cmd_fetch(const Command& cmd, std::string& out) {
    const auto& a = cmd.as<FetchArgs>();
    std::vector<size_t> idx;
    if (!resolve(a.set, cmd.uid, idx)) {
        out += tagged(cmd.tag, Status::Bad, "", "Invalid message sequence set");
        return {};
    }
    if (a.vanished && (!cmd.uid || !qresync_ || !a.changed_since)) {
        out +=
            tagged(cmd.tag, Status::Bad, "", "VANISHED needs UID FETCH, QRESYNC and CHANGEDSINCE");
        return {};
    }
    auto p = std::make_unique<PendingFetch>();
    p->tag = cmd.tag;
    p->uid = cmd.uid;
    p->done_text = cmd.uid ? "UID FETCH completed" : "FETCH completed";
    p->atts = a.atts;
    p->opt.uid = cmd.uid;
    p->opt.imap4rev2 = rev2_;
    // RFC 7162 §3.1: FETCH with CHANGEDSINCE or the MODSEQ item enables CONDSTORE.
    if (a.changed_since || std::any_of(a.atts.begin(), a.atts.end(), [](const FetchAtt& f) {
            return f.kind == FetchAttKind::Modseq;
        }))
        enable_condstore(out);
    if (a.changed_since) {
        std::erase_if(idx, [&](size_t i) { return sel_->view()[i].modseq <= *a.changed_since; });
    }
    p->opt.modseq = condstore_;
    if (a.vanished) {
        bool complete = false;
        uint32_t top = sel_->uidnext > 0 ? sel_->uidnext - 1 : 0;
        std::vector<uint32_t> vanished;
        for (uint32_t u : sel_->folder->vanished_since(*a.changed_since, &complete)) {
            if (a.set.contains(u, top)) vanished.push_back(u);
        }
        if (!vanished.empty()) out += "* VANISHED (EARLIER) " + format_numbers(vanished) + "\r\n";
    }
    if (fetch_sets_seen(a.atts) && !sel_->readonly) {
        std::vector<uint32_t> unseen;
        for (size_t i : idx) {
            const auto& m = sel_->view()[i];
            if (!(m.flags & mailbox::kSeen) && !sel_->gone.count(m.uid)) unseen.push_back(m.uid);
        }
        if (!unseen.empty()) {
            auto changed =
                sel_->folder->store_flags(unseen, mailbox::FlagOp::Add, mailbox::kSeen, {});
            refresh_view(out, false, &changed);
            p->seen_now.insert(changed.begin(), changed.end());
        }
    }
    if (fetches_dates(a.atts)) ensure_dates();
    p->idx = std::move(idx);
    pending_ = std::move(p);
    return continue_fetch(out);
}

Step Session::continue_fetch(std::string& out) {
    auto& p = *pending_;
    while (p.pos < p.idx.size()) {
        size_t i = p.idx[p.pos++];
        const auto& info = sel_->view()[i];
        FetchOptions o = p.opt;
        o.recent = sel_->recent.count(info.uid) > 0;
        o.add_flags = p.seen_now.count(info.uid) > 0;
        MessageData md(info, sel_->folder.get());
        FetchError err = append_fetch(out, static_cast<uint32_t>(i + 1), md, p.atts, o);
        if (err == FetchError::UnknownCte) {
            std::string tag = p.tag;
            pending_.reset();
            out += tagged(tag, Status::No, "UNKNOWN-CTE", "Unknown Content-Transfer-Encoding");
            return {};
        }
        if (err == FetchError::Gone) p.expunge_issued = true;
        if (out.size() >= kOutputChunk && p.pos < p.idx.size()) return {Action::More};
    }
    std::string tag = p.tag, text = p.done_text;
    bool issued = p.expunge_issued;
    pending_.reset();
    out += tagged(tag, Status::Ok, issued ? code::kExpungeIssued : "",
                  issued ? "Some messages were expunged meanwhile" : text);
    return {};
}

Step Session::more(std::string& out) {
    if (!pending_) return {};
    bool uid = pending_->uid;
    size_t start = out.size();
    Step step = continue_fetch(out);
    if (!pending_ && sel_) {
        std::string updates;
        sync_view(updates, uid);
        if (!updates.empty()) insert_before_last_line(out, start, updates);
    }
    return step;
}

// -- STORE ----------------------------------------------------------------------------------

void Session::cmd_store(const Command& cmd, std::string& out) {
    const auto& a = cmd.as<StoreArgs>();
    if (sel_->readonly) {
        out += tagged(cmd.tag, Status::No, code::kReadOnly, "Mailbox is read-only");
        return;
    }
    std::vector<size_t> idx;
    if (!resolve(a.set, cmd.uid, idx)) {
        out += tagged(cmd.tag, Status::Bad, "", "Invalid message sequence set");
        return;
    }
    uint32_t bits = 0;
    std::vector<std::string> keywords;
    for (const auto& f : a.flags) {
        if (auto b = mailbox::flag_from_imap(f)) {
            bits |= *b;
        } else if (!f.empty() && f[0] == '\\') {
            if (to_lower(f) == "\\recent") continue;
            out += tagged(cmd.tag, Status::Bad, "", "Invalid system flag " + f);
            return;
        } else {
            keywords.push_back(f);
        }
    }
    std::vector<uint32_t> uids;
    for (size_t i : idx) {
        if (!sel_->gone.count(sel_->view()[i].uid)) uids.push_back(sel_->view()[i].uid);
    }
    auto op = a.op == StoreOp::Add      ? mailbox::FlagOp::Add
              : a.op == StoreOp::Remove ? mailbox::FlagOp::Remove
                                        : mailbox::FlagOp::Replace;
    if (a.unchanged_since) enable_condstore(out);
    std::vector<uint32_t> modified;
    auto changed =
        sel_->folder->store_flags(uids, op, bits, keywords, a.unchanged_since, &modified);
    refresh_view(out, false, &changed);
    if (!changed.empty()) {
        env_.registry->notify(sel_->folder->dir());
        action_log(
            fmt::format("flag_change: box={}, uids={}", sel_->name, format_numbers(changed)));
    }
    std::unordered_set<uint32_t> skipped(modified.begin(), modified.end());
    if (!a.silent) {
        for (size_t i : idx) {
            uint32_t uid = sel_->view()[i].uid;
            if (!skipped.count(uid) && !sel_->gone.count(uid)) {
                append_flags_fetch(out, static_cast<uint32_t>(i + 1), cmd.uid);
            }
        }
    } else if (condstore_) {
        // RFC 7162 §3.1.3: with CONDSTORE, the new MODSEQ of each changed message is sent.
        for (uint32_t uid : changed) {
            auto i = sel_->find(uid);
            if (i < 0) continue;
            out += fmt::format("* {} FETCH ({}MODSEQ ({}))\r\n", i + 1,
                               cmd.uid ? fmt::format("UID {} ", uid) : "", sel_->view()[i].modseq);
        }
    }
    std::string mod_code;
    if (!modified.empty()) {
        std::vector<uint32_t> nums;
        for (uint32_t uid : modified) {
            nums.push_back(cmd.uid ? uid : static_cast<uint32_t>(sel_->find(uid) + 1));
        }
        mod_code = "MODIFIED " + format_numbers(nums);
    }
    out +=
        tagged(cmd.tag, Status::Ok, mod_code, cmd.uid ? "UID STORE completed" : "STORE completed");
}

// -- SEARCH, SORT, THREAD -------------------------------------------------------------------

std::optional<std::vector<uint32_t>> Session::run_program(SearchKey key, const std::string& charset,
                                                          std::string& error_code) {
    if (!prepare_search(key, charset)) {
        error_code = "BADCHARSET (US-ASCII UTF-8)";
        return std::nullopt;
    }
    if (uses_dates(key)) ensure_dates();
    auto msgs = view_messages(sel_->view(), sel_->folder.get());
    SearchContext ctx;
    ctx.max_seq = static_cast<uint32_t>(sel_->view().size());
    ctx.max_uid = sel_->view().empty() ? 0 : sel_->view().back().uid;
    ctx.saved_uids = &saved_uids_;
    ctx.is_recent = [this](uint32_t uid) { return sel_->recent.count(uid) > 0; };
    ctx.now = ::time(nullptr);
    return run_search(key, msgs, ctx);
}

void Session::cmd_search(const Command& cmd, std::string& out) {
    const auto& a = cmd.as<SearchArgs>();
    std::string err;
    auto seqs = run_program(a.key, a.charset.value_or(""), err);
    bool save =
        std::find(a.returns.begin(), a.returns.end(), SearchReturn::Save) != a.returns.end();
    if (!seqs) {
        if (save) saved_uids_.clear();
        out += tagged(cmd.tag, Status::No, err, "Unknown charset");
        return;
    }
    std::vector<uint32_t> nums;
    uint64_t modseq = 0;
    for (uint32_t s : *seqs) {
        const auto& m = sel_->view()[s - 1];
        nums.push_back(cmd.uid ? m.uid : s);
        modseq = std::max(modseq, m.modseq);
    }
    bool want_modseq = uses_modseq(a.key) && !nums.empty();
    if (uses_modseq(a.key)) enable_condstore(out);
    if (!a.has_return && !rev2_) {
        out += "* SEARCH";
        for (uint32_t n : nums) out += fmt::format(" {}", n);
        if (want_modseq) out += fmt::format(" (MODSEQ {})", modseq);
        out += "\r\n";
    } else {
        auto has = [&](SearchReturn r) {
            return std::find(a.returns.begin(), a.returns.end(), r) != a.returns.end();
        };
        bool all = a.returns.empty() || has(SearchReturn::All);
        bool min = has(SearchReturn::Min), max = has(SearchReturn::Max),
             count = has(SearchReturn::Count);
        if (save) {
            // RFC 5182 §2.4: with only MIN and/or MAX besides SAVE, only those are saved.
            std::vector<uint32_t> keep;
            if (!nums.empty() && (min || max) && !all && !count) {
                if (min) keep.push_back((*seqs).front());
                if (max) keep.push_back((*seqs).back());
            } else {
                keep = *seqs;
            }
            saved_uids_.clear();
            for (uint32_t s : keep) saved_uids_.push_back(sel_->view()[s - 1].uid);
        }
        bool only_save = save && a.returns.size() == 1;
        if (!only_save) {
            EsearchResult r;
            if (!nums.empty()) {
                if (min) r.min = nums.front();
                if (max) r.max = nums.back();
                if (all) r.all = nums;
            }
            if (count) r.count = static_cast<uint32_t>(nums.size());
            if (want_modseq && (min || max) && !all && !count) {
                // RFC 7162 §3.1.5: with only MIN and/or MAX, the highest mod-sequence of
                // the messages those return, not of every match.
                r.modseq = 0;
                if (min) r.modseq = std::max(*r.modseq, sel_->view()[seqs->front() - 1].modseq);
                if (max) r.modseq = std::max(*r.modseq, sel_->view()[seqs->back() - 1].modseq);
            } else if (want_modseq) {
                r.modseq = modseq;
            }
            out += esearch(cmd.tag, cmd.uid, r);
        }
    }
    out += tagged(cmd.tag, Status::Ok, "", cmd.uid ? "UID SEARCH completed" : "SEARCH completed");
}

void Session::cmd_sort(const Command& cmd, std::string& out) {
    const auto& a = cmd.as<SortArgs>();
    std::string err;
    auto seqs = run_program(a.key, a.charset, err);
    if (!seqs) {
        out += tagged(cmd.tag, Status::No, err, "Unknown charset");
        return;
    }
    ensure_dates();  // ARRIVAL, and DATE for messages without a Date: field
    auto msgs = view_messages(sel_->view(), sel_->folder.get());
    auto sorted = sort_messages(a.criteria, *seqs, msgs);
    out += "* SORT";
    for (uint32_t s : sorted) out += fmt::format(" {}", cmd.uid ? sel_->view()[s - 1].uid : s);
    out += "\r\n";
    out += tagged(cmd.tag, Status::Ok, "", cmd.uid ? "UID SORT completed" : "SORT completed");
}

void Session::cmd_thread(const Command& cmd, std::string& out) {
    const auto& a = cmd.as<ThreadArgs>();
    const auto& algs = thread_algorithms();
    if (std::find(algs.begin(), algs.end(), a.algorithm) == algs.end()) {
        out += tagged(cmd.tag, Status::Bad, "", "Unknown threading algorithm");
        return;
    }
    std::string err;
    auto seqs = run_program(a.key, a.charset, err);
    if (!seqs) {
        out += tagged(cmd.tag, Status::No, err, "Unknown charset");
        return;
    }
    ensure_dates();  // the sent date falls back to the internal date
    auto msgs = view_messages(sel_->view(), sel_->folder.get());
    out += "* THREAD " + thread_messages(a.algorithm, *seqs, msgs, cmd.uid) + "\r\n";
    out += tagged(cmd.tag, Status::Ok, "", cmd.uid ? "UID THREAD completed" : "THREAD completed");
}

// -- COPY, MOVE, EXPUNGE --------------------------------------------------------------------

void Session::cmd_copy(const Command& cmd, bool move, std::string& out) {
    const auto& a = cmd.as<CopyArgs>();
    std::vector<size_t> idx;
    if (!resolve(a.set, cmd.uid, idx)) {
        out += tagged(cmd.tag, Status::Bad, "", "Invalid message sequence set");
        return;
    }
    if (move && sel_->readonly) {
        out += tagged(cmd.tag, Status::No, code::kReadOnly, "Mailbox is read-only");
        return;
    }
    auto target = store_->folder(a.mailbox.name);
    if (!target) {
        out += tagged(cmd.tag, Status::No, code::kTryCreate, "Mailbox doesn't exist");
        return;
    }
    std::vector<uint32_t> uids;
    uint64_t bytes = 0;
    for (size_t i : idx) {
        const auto& m = sel_->view()[i];
        if (sel_->gone.count(m.uid)) continue;
        uids.push_back(m.uid);
        bytes += m.size;
    }
    const char* done = move ? (cmd.uid ? "UID MOVE completed" : "MOVE completed")
                            : (cmd.uid ? "UID COPY completed" : "COPY completed");
    if (uids.empty()) {
        out += tagged(cmd.tag, Status::Ok, "", done);
        return;
    }
    if (!move && !quota_allows(bytes)) {
        out += tagged(cmd.tag, Status::No, code::kOverQuota,
                      "Quota exceeded (mailbox for user is full)");
        return;
    }
    train_junk_move(a.mailbox.name, uids);
    auto pairs = mailbox::copy_messages(*sel_->folder, *target, uids, move);
    std::vector<uint32_t> from, to;
    for (auto& [f, t] : pairs) {
        from.push_back(f);
        to.push_back(t);
    }
    env_.registry->notify(target->dir());
    if (move) env_.registry->notify(sel_->folder->dir());
    action_log(fmt::format("{}: box={}, uids={}, to={}", move ? "move" : "copy", sel_->name,
                           format_numbers(from), a.mailbox.name));
    std::string uid_code = pairs.empty() ? "" : code::copyuid(target->uidvalidity(), from, to);
    if (move) {
        if (!uid_code.empty()) out += untagged(Status::Ok, uid_code, "Moved UIDs.");
        out += tagged(cmd.tag, Status::Ok, "", done);
    } else {
        out += tagged(cmd.tag, Status::Ok, uid_code, done);
    }
}

void Session::train_junk_move(const std::string& to, const std::vector<uint32_t>& uids) {
    if (!env_.bayes) return;
    auto label = filter::junk_move_label(sel_->name, to);
    if (!label) return;
    auto s = snap();
    if (!filter::may_train(*s, user_)) return;
    std::vector<std::string> raws;
    for (uint32_t uid : uids) {
        if (auto data = sel_->folder->read_message(uid)) raws.push_back(std::move(*data));
    }
    std::vector<std::string_view> views(raws.begin(), raws.end());
    try {
        auto results = env_.bayes->learn(views, *label);
        size_t learned = 0;
        for (const auto& r : results) learned += r.learned || r.moved;
        log(fmt::format("imap({}): spam training: {} message(s) learned as {}, {} already known",
                        user_, learned, *label ? "spam" : "ham", results.size() - learned));
    } catch (const std::exception& e) {
        log(fmt::format("imap({}): spam training failed: {}", user_, e.what()));
    }
}

void Session::trash_deleted(const std::vector<uint32_t>* only) {
    if (!snap()->settings.move_deleted_to_trash || sel_->name == "Trash") return;
    std::unordered_set<uint32_t> limit;
    if (only) limit.insert(only->begin(), only->end());
    std::vector<uint32_t> uids;
    for (const auto& m : sel_->folder->snapshot()->messages) {
        if ((m.flags & mailbox::kDeleted) && (!only || limit.count(m.uid))) uids.push_back(m.uid);
    }
    if (uids.empty()) return;
    if (!store_->exists("Trash")) store_->create("Trash");
    auto trash = store_->folder("Trash");
    if (!trash) return;
    auto pairs = mailbox::copy_messages(*sel_->folder, *trash, uids, false);
    std::vector<uint32_t> copies;
    for (auto& pr : pairs) copies.push_back(pr.second);
    trash->store_flags(copies, mailbox::FlagOp::Remove, mailbox::kDeleted, {});
    env_.registry->notify(trash->dir());
}

void Session::cmd_expunge(const Command& cmd, std::string& out) {
    if (sel_->readonly) {
        out += tagged(cmd.tag, Status::No, code::kReadOnly, "Mailbox is read-only");
        return;
    }
    std::vector<uint32_t> only;
    const auto* a = std::get_if<ExpungeArgs>(&cmd.args);
    bool by_uid = a && a->uids;
    if (by_uid) {
        std::vector<size_t> idx;
        resolve(*a->uids, true, idx);
        for (size_t i : idx) only.push_back(sel_->view()[i].uid);
    }
    trash_deleted(by_uid ? &only : nullptr);
    auto gone = sel_->folder->expunge_deleted(by_uid ? &only : nullptr);
    if (!gone.empty()) {
        env_.registry->notify(sel_->folder->dir());
        action_log(fmt::format("expunge: box={}, uids={}", sel_->name, format_numbers(gone)));
    }
    out += tagged(cmd.tag, Status::Ok, "", cmd.uid ? "UID EXPUNGE completed" : "EXPUNGE completed");
}

}  // namespace magpie::imap
