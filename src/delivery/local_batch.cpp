// Local delivery of a batch of queue entries. Order of durability, per entry:
//   1. each Maildir file: data fdatasync'd, then linked into new/      (MaildirWriter)
//   2. each new/ directory touched by the batch: fsync'd once
//   3. only then: progress appended to ID.done (fsync'd), or the entry removed
// A crash before 3 leaves the target pending; the redelivery finds the fixed file name
// in new/ or cur/ and skips it, so every local target is delivered exactly once. Targets
// that bounce (unknown, disabled, over quota) get a DSN queued to the sender first.
#include "delivery/local_batch.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <set>
#include <system_error>

#include "core/fs.h"
#include "core/log.h"
#include "queue/bounce.h"
#include "queue/group_sync.h"
#include "queue/queue_file.h"
#include "queue/spam_subject.h"
#include "store/quota.h"

namespace magpie::delivery {
namespace {

struct Progress {
    bool readable = false;
    queue::Entry entry;
    std::vector<std::pair<size_t, std::string>> marks;  // targets finished in this pass
    std::vector<std::string> sent_logs;                 // written once durable
    std::vector<std::string> dirs;                      // new/ directories written to
    std::vector<queue::DsnRecipient> failed;            // bounced targets to notify
    bool deferred = false, remote = false;
};

// Mailbox names become path components: no separators, no dot files, no "..".
bool safe_name(std::string_view n) {
    return !n.empty() && n[0] != '.' && n.find('/') == std::string_view::npos &&
           n.find('\0') == std::string_view::npos;
}

// Timed from the queue ID's microsecond stamp (made when the message began to arrive)
// when it is plausible, else from the arrival second.
double delay_since(const queue::Envelope& env) {
    double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    double start = static_cast<double>(env.arrival);
    double id_time = static_cast<double>(queue::queue_id_time_us(env.id)) / 1e6;
    if (id_time <= start + 1 && id_time >= start - 86400) start = id_time;
    double d = now - start;
    return d < 0 ? 0 : d;
}

const std::string& rcpt_of(const queue::Envelope& env, const store::Target& t) {
    if (t.rcpt >= 0 && static_cast<size_t>(t.rcpt) < env.recipients.size()) {
        return env.recipients[static_cast<size_t>(t.rcpt)].address;
    }
    return t.name;
}

// RFC 3463 codes: 4.3.1 mail system full, 4.2.2 mailbox full, 4.3.0 other system error.
const char* dsn_for(const std::error_code& ec) {
    if (ec == std::errc::no_space_on_device) return "4.3.1";
    if (ec.value() == EDQUOT && ec.category() == std::generic_category()) return "4.2.2";
    return "4.3.0";
}

// On a retry or after a crash the copy may be in the Maildir already: no quota check then.
bool already_delivered(const BatchContext& ctx, const BatchJob& job, const std::string& root,
                       const MaildirMessage& m) {
    if (!job.check_existing) return false;
    std::string prefix = maildir_unique_prefix(m.arrival, m.target_index, m.queue_id);
    return ctx.recovered ? ctx.recovered->contains(root, m.queue_id, prefix)
                         : maildir_contains(root, prefix);
}

void move_to_corrupt(const Config& cfg, const std::string& id, const std::string& path) {
    std::string dir = cfg.queue_dir() + "/corrupt";
    try {
        fs::make_dirs(dir);
        if (::rename(path.c_str(), (dir + "/" + id).c_str()) == 0) {
            ::rename((path + ".done").c_str(), (dir + "/" + id + ".done").c_str());
            log::info("local", "{}: unreadable queue file moved to {}", id, dir);
        }
    } catch (const std::exception& e) {
        log::info("local", "{}: unreadable queue file, cannot move it: {}", id, e.what());
    }
}

// Queues one DSN for the entry's bounced targets before their marks are recorded; a crash
// in between bounces them again on recovery (a second notification, never none). When the
// DSN cannot be queued the targets stay pending and are retried.
void send_failures(const BatchContext& ctx, Progress& p, int fd) {
    const auto& env = p.entry.env;
    try {
        std::string original =
            fd >= 0 ? queue::dsn_original(fd, p.entry.body_offset, env.size) : std::string();
        std::string id = queue::queue_dsn(ctx.cfg.queue_dir(), ctx.cfg.hostname, env, p.failed,
                                          original, *ctx.snapshot);
        if (!id.empty() && ctx.submit) ctx.submit(id);
    } catch (const std::exception& e) {
        std::erase_if(p.marks, [](const auto& m) { return m.second == "bounced"; });
        p.deferred = true;
        log::info("local", "{}: status=deferred (cannot queue the notification: {})", env.id,
                  e.what());
    }
}

void deliver_entry(const BatchContext& ctx, const BatchJob& job, Progress& p,
                   std::set<std::string>& dirty) {
    const auto& env = p.entry.env;
    double delay = delay_since(env);
    int fd = ::open(p.entry.path.c_str(), O_RDONLY | O_CLOEXEC);
    // Flagged spam: every local copy gets the subject prefix (the queue file stays as is).
    std::optional<mime::HeaderInsertion> subject;
    if (ctx.snapshot)
        subject =
            queue::spam_subject_insertion(env, ctx.snapshot->settings, fd, p.entry.body_offset);
    for (size_t i = 0; i < env.targets.size(); ++i) {
        if (p.entry.target_done[i]) continue;
        const auto& t = env.targets[i];
        if (t.kind == store::Target::Kind::Remote) {
            p.remote = true;
            continue;
        }
        bool pub = t.kind == store::Target::Kind::Public;
        std::string label = pub ? "public:" + t.name : t.name;
        std::string head = fmt::format("{}: to=<{}>, mailbox={}, relay=local, delay={:.2f}", env.id,
                                       rcpt_of(env, t), label, delay);
        auto bounce = [&](const char* dsn, const char* why) {
            p.marks.emplace_back(i, "bounced");
            log::info("local", "{}, dsn={}, status=bounced ({})", head, dsn, why);
            // Hidden copies and always_bcc (no envelope recipient) are not the sender's business.
            if (t.rcpt < 0 || static_cast<size_t>(t.rcpt) >= env.recipients.size()) return;
            const auto& r = env.recipients[static_cast<size_t>(t.rcpt)];
            if (!queue::dsn_wanted(env, r, queue::DsnKind::Failure)) return;
            for (const auto& f : p.failed) {
                if (f.address == r.address && f.status == dsn) return;  // two members of a group
            }
            queue::DsnRecipient d;
            d.address = r.address;
            d.orcpt = r.orcpt;
            d.action = "failed";
            d.status = dsn;
            d.diagnostic = std::string("x-magpie; ") + why;
            d.last_attempt = static_cast<int64_t>(::time(nullptr));
            p.failed.push_back(std::move(d));
        };
        auto defer = [&](const char* dsn, const std::string& why) {
            p.deferred = true;
            log::info("local", "{}, dsn={}, status=deferred ({})", head, dsn, why);
        };
        if (!ctx.snapshot) {
            defer("4.3.0", "directory unavailable");
            continue;
        }
        std::string root;
        if (pub) {
            if (!ctx.snapshot->public_mailboxes.count(t.name) || !safe_name(t.name)) {
                bounce("5.1.1", "unknown public mailbox");
                continue;
            }
            root = ctx.cfg.public_dir() + "/" + t.name;
        } else {
            auto it = ctx.snapshot->users.find(t.name);
            if (it == ctx.snapshot->users.end() || !safe_name(t.name)) {
                bounce("5.1.1", "unknown user");
                continue;
            }
            if (it->second.disabled) {
                bounce("5.2.1", "mailbox disabled");
                continue;
            }
            root = ctx.cfg.mail_dir() + "/" + t.name;
            // Flagged spam goes to the user's Junk folder (Maildir++ ".Junk").
            if (env.spam && ctx.snapshot->settings.move_spam_to_junk) root += "/.Junk";
        }
        if (fd < 0) {
            defer("4.3.0", fmt::format("cannot open queue file: {}", std::strerror(errno)));
            continue;
        }
        MaildirMessage m;
        m.queue_id = env.id;
        m.target_index = i;
        m.arrival = env.arrival;
        m.sender = env.sender;
        m.recipient = rcpt_of(env, t);
        m.source_fd = fd;
        m.offset = p.entry.body_offset;
        m.size = env.size;
        m.headers = &env.headers;
        if (subject) m.insertion = &*subject;
        uint64_t bytes = maildir_file_size(m);
        uint64_t limit = pub || !ctx.quota ? 0 : store::quota_of(*ctx.snapshot, t.name);
        if (limit > 0 && !already_delivered(ctx, job, root, m)) {
            uint64_t used = 0;
            try {
                used = ctx.quota->usage(t.name);
            } catch (const std::exception& e) {
                log::info("local", "{}: quota usage of {}: {}", env.id, t.name, e.what());
            }
            // RFC 3463 §3.3 X.2.2: mailbox full (Dovecot's LDA with quota_full_tempfail=no).
            if (!store::quota_fits(limit, used, bytes)) {
                bounce("5.2.2", "mailbox full");
                continue;
            }
        }
        try {
            auto r = ctx.writer.deliver(root, m, job.check_existing, ctx.recovered);
            if (r == MaildirResult::Delivered && ctx.quota && !pub) ctx.quota->added(t.name, bytes);
            std::string dir = maildir_new_dir(root);
            dirty.insert(dir);
            p.dirs.push_back(dir);
            p.marks.emplace_back(i, "sent");
            p.sent_logs.push_back(fmt::format("{}, dsn=2.0.0, status=sent ({})", head,
                                              r == MaildirResult::Delivered
                                                  ? "delivered to maildir"
                                                  : "already in maildir, not delivered again"));
        } catch (const std::system_error& e) {
            defer(dsn_for(e.code()), e.what());
        }
    }
    if (!p.failed.empty()) send_failures(ctx, p, fd);
    if (fd >= 0) ::close(fd);
    if (p.remote && ctx.first_remote_sighting && ctx.first_remote_sighting(env.id)) {
        for (size_t i = 0; i < env.targets.size(); ++i) {
            const auto& t = env.targets[i];
            if (p.entry.target_done[i] || t.kind != store::Target::Kind::Remote) continue;
            log::info("local",
                      "{}: to=<{}>, relay=none, delay={:.2f}, status=queued (queued for "
                      "remote delivery)",
                      env.id, t.name, delay);
        }
    }
}

// Step 3 for one entry, once the batch's directories are synced.
BatchOutcome finish_entry(Progress& p, const std::set<std::string>& failed_dirs, bool& removed) {
    const auto& env = p.entry.env;
    bool dir_failed = false;
    for (const auto& d : p.dirs) dir_failed = dir_failed || failed_dirs.count(d) > 0;
    if (dir_failed) {
        // Delivered files may not survive a crash: keep those targets pending. The retry
        // finds the files and does not duplicate them.
        std::erase_if(p.marks, [](const auto& m) { return m.second == "sent"; });
        p.deferred = true;
        log::info("local", "{}: status=deferred (cannot sync maildir directory)", env.id);
    } else {
        for (const auto& line : p.sent_logs) log::write_line("local", line);
    }
    auto done = p.entry.target_done;
    for (const auto& m : p.marks) done[m.first] = true;
    bool all = std::all_of(done.begin(), done.end(), [](bool b) { return b; });
    try {
        if (all) {
            queue::remove_entry(p.entry);
            removed = true;
            log::info("local", "{}: removed", env.id);
            return BatchOutcome::Finished;
        }
        queue::mark_targets_done(p.entry, p.marks);
    } catch (const std::system_error& e) {
        log::info("local", "{}: cannot record delivery progress: {}", env.id, e.what());
        return BatchOutcome::Deferred;
    }
    return p.deferred ? BatchOutcome::Deferred : BatchOutcome::RemotePending;
}

}  // namespace

std::vector<BatchOutcome> deliver_batch(const BatchContext& ctx,
                                        const std::vector<BatchJob>& jobs) {
    std::vector<BatchOutcome> out(jobs.size(), BatchOutcome::Finished);
    std::vector<Progress> progress(jobs.size());
    std::set<std::string> dirty;
    for (size_t j = 0; j < jobs.size(); ++j) {
        std::string path = queue::active_path(ctx.cfg.queue_dir(), jobs[j].id);
        try {
            auto e = queue::read_entry(path);
            if (!e) {
                if (::access(path.c_str(), F_OK) == 0) move_to_corrupt(ctx.cfg, jobs[j].id, path);
                continue;  // already delivered and removed, or unreadable
            }
            progress[j].entry = std::move(*e);
            progress[j].readable = true;
            deliver_entry(ctx, jobs[j], progress[j], dirty);
        } catch (const std::exception& e) {
            progress[j].deferred = true;
            log::info("local", "{}: status=deferred ({})", jobs[j].id, e.what());
        }
    }
    std::set<std::string> failed_dirs;
    for (const auto& d : dirty) {
        try {
            queue::group_fsync_dir(d);  // shared with the other workers
        } catch (const std::system_error& e) {
            failed_dirs.insert(d);
            log::info("local", "fsync {}: {}", d, e.what());
        }
    }
    if (ctx.delivered) {
        for (const auto& d : dirty) {
            if (!failed_dirs.count(d) && d.size() > 4) ctx.delivered(d.substr(0, d.size() - 4));
        }
    }
    bool removed = false;
    for (size_t j = 0; j < jobs.size(); ++j) {
        if (progress[j].readable) {
            out[j] = finish_entry(progress[j], failed_dirs, removed);
        } else if (progress[j].deferred) {
            out[j] = BatchOutcome::Deferred;
        }
    }
    // Makes the removals durable, so a crash cannot bring back an entry whose copies the
    // user has meanwhile moved or expunged.
    if (removed) {
        try {
            queue::sync_active(ctx.cfg.queue_dir());
        } catch (const std::system_error& e) {
            log::info("local", "fsync {}: {}", queue::active_dir(ctx.cfg.queue_dir()), e.what());
        }
    }
    return out;
}

}  // namespace magpie::delivery
