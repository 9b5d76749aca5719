// Queue administration: listing, showing, deleting queue entries and resend triggers,
// plus the ID.defer side file. Reads only committed entries (queue_file.h checks their
// trailer), so it is safe beside a running server; every change is made durable.
#include "queue/queue_admin.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <ctime>
#include <set>
#include <stdexcept>
#include <system_error>

#include "core/fs.h"
#include "queue/queue_file.h"

namespace magpie::queue {
namespace {

constexpr std::string_view kAll = "ALL";

std::string defer_path(const std::string& queue_dir, std::string_view id) {
    return active_path(queue_dir, std::string(id)) + ".defer";
}

std::string one_line(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c == '\r' || c == '\n' || c == '\0') c = ' ';
    return out;
}

// The names in `dir` that start with `prefix`.
std::vector<std::string> names_with_prefix(const std::string& dir, std::string_view prefix) {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (dirent* de = ::readdir(d)) {
        std::string_view name = de->d_name;
        if (name.substr(0, prefix.size()) == prefix) out.emplace_back(name);
    }
    ::closedir(d);
    return out;
}

// Pending recipients: remote targets by address, local ones by the envelope recipient
// they came from (hidden copies by their mailbox).
std::vector<std::string> pending_recipients(const Entry& e) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (size_t i = 0; i < e.env.targets.size(); ++i) {
        if (i < e.target_done.size() && e.target_done[i]) continue;
        auto& t = e.env.targets[i];
        std::string r;
        if (t.kind == store::Target::Kind::Remote)
            r = t.name;
        else if (t.rcpt >= 0 && static_cast<size_t>(t.rcpt) < e.env.recipients.size())
            r = e.env.recipients[static_cast<size_t>(t.rcpt)].address;
        else
            r = t.kind == store::Target::Kind::Public ? "public:" + t.name : t.name;
        if (seen.insert(r).second) out.push_back(std::move(r));
    }
    return out;
}

QueueItem item_of(const std::string& queue_dir, const Entry& e) {
    QueueItem q;
    q.id = e.env.id;
    q.arrival = e.env.arrival;
    q.size = e.env.size;
    q.sender = e.env.sender;
    q.recipients = pending_recipients(e);
    if (auto d = read_defer_info(queue_dir, e.env.id)) {
        q.reason = d->reason;
        q.attempts = d->attempts;
        q.next_attempt = d->next_attempt;
    }
    return q;
}

std::optional<int64_t> to_int(std::string_view s) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

bool valid_queue_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    });
}

std::string format_time_iso(int64_t unix_seconds) {
    time_t t = static_cast<time_t>(unix_seconds);
    struct tm tm {};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::vector<QueueItem> list_queue(const std::string& queue_dir) {
    std::vector<QueueItem> out;
    for (auto& id : list_active(queue_dir))
        if (auto e = read_entry(active_path(queue_dir, id))) out.push_back(item_of(queue_dir, *e));
    std::stable_sort(out.begin(), out.end(),
                     [](const QueueItem& a, const QueueItem& b) { return a.arrival < b.arrival; });
    return out;
}

std::optional<QueueItem> get_queue_item(const std::string& queue_dir, std::string_view id) {
    if (!valid_queue_id(id)) return std::nullopt;
    auto e = read_entry(active_path(queue_dir, std::string(id)));
    if (!e) return std::nullopt;
    return item_of(queue_dir, *e);
}

std::optional<std::string> show_message(const std::string& queue_dir, std::string_view id) {
    if (!valid_queue_id(id)) return std::nullopt;
    auto path = active_path(queue_dir, std::string(id));
    auto e = read_entry(path);
    if (!e) return std::nullopt;
    std::string data;
    try {
        data = fs::read_file(path);
    } catch (const std::system_error&) {
        return std::nullopt;  // deleted in between
    }
    auto item = item_of(queue_dir, *e);
    auto& env = e->env;
    std::string out;
    out += "queue_id: " + env.id + "\n";
    out += "arrival: " + format_time_iso(env.arrival) + "\n";
    out += "size: " + std::to_string(env.size) + "\n";
    out += "sender: <" + env.sender + ">\n";
    for (auto& r : env.recipients) {
        out += "recipient: <" + r.address + ">";
        if (!r.notify.empty()) out += " notify=" + r.notify;
        if (!r.orcpt.empty()) out += " orcpt=" + r.orcpt;
        out += "\n";
    }
    for (auto& r : item.recipients) out += "pending: " + r + "\n";
    if (!env.client_ip.empty()) out += "client: " + env.client_helo + " [" + env.client_ip + "]\n";
    if (!env.auth_user.empty()) out += "auth_user: " + env.auth_user + "\n";
    if (!env.message_id.empty()) out += "message_id: " + env.message_id + "\n";
    if (!env.dsn_ret.empty()) out += "dsn_ret: " + env.dsn_ret + "\n";
    if (!env.dsn_envid.empty()) out += "dsn_envid: " + one_line(env.dsn_envid) + "\n";
    if (item.attempts > 0 || !item.reason.empty()) {
        out += "attempts: " + std::to_string(item.attempts) + "\n";
        out += "next_attempt: " + format_time_iso(item.next_attempt) + "\n";
        out += "reason: " + item.reason + "\n";
    }
    out += "\n";
    out.append(data, 0, std::min(data.size(), static_cast<size_t>(env.size)));
    return out;
}

bool delete_queue_item(const std::string& queue_dir, std::string_view id) {
    if (!valid_queue_id(id)) return false;
    auto dir = active_dir(queue_dir);
    auto path = active_path(queue_dir, std::string(id));
    bool removed_any = false;
    // Side files first: a crash in between leaves a plain entry, never orphans.
    for (auto& name : names_with_prefix(dir, std::string(id) + ".")) {
        auto p = dir + "/" + name;
        if (::unlink(p.c_str()) == 0)
            removed_any = true;
        else if (errno != ENOENT)
            throw std::system_error(errno, std::generic_category(), "unlink " + p);
    }
    bool existed = ::unlink(path.c_str()) == 0;
    if (!existed && errno != ENOENT)
        throw std::system_error(errno, std::generic_category(), "unlink " + path);
    if (existed || removed_any) fs::fsync_dir(dir);
    clear_resend_request(queue_dir, id);
    return existed;
}

std::string flush_dir(const std::string& queue_dir) {
    return queue_dir + "/flush";
}

void request_resend(const std::string& queue_dir, std::string_view id) {
    if (!id.empty() && !valid_queue_id(id))
        throw std::invalid_argument("bad queue id: " + std::string(id));
    fs::make_dirs(flush_dir(queue_dir));
    fs::write_file_atomic(flush_dir(queue_dir) + "/" + std::string(id.empty() ? kAll : id), "");
}

std::vector<std::string> pending_resend_requests(const std::string& queue_dir) {
    std::vector<std::string> out;
    for (auto& name : names_with_prefix(flush_dir(queue_dir), "")) {
        if (!valid_queue_id(name)) continue;  // ".", "..", "ID.tmp" being written
        out.push_back(name == kAll ? "" : name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

void clear_resend_request(const std::string& queue_dir, std::string_view id) {
    if (!id.empty() && !valid_queue_id(id)) return;
    auto p = flush_dir(queue_dir) + "/" + std::string(id.empty() ? kAll : id);
    ::unlink(p.c_str());
}

void write_defer_info(const std::string& queue_dir, std::string_view id, int attempts,
                      int64_t next_attempt, std::string_view reason) {
    if (!valid_queue_id(id)) throw std::invalid_argument("bad queue id: " + std::string(id));
    std::string text = "attempts " + std::to_string(attempts) + "\nnext " +
                       std::to_string(next_attempt) + "\nreason " + one_line(reason) + "\n";
    fs::write_file_atomic(defer_path(queue_dir, id), text);
}

std::optional<DeferInfo> read_defer_info(const std::string& queue_dir, std::string_view id) {
    if (!valid_queue_id(id)) return std::nullopt;
    std::string text;
    try {
        text = fs::read_file(defer_path(queue_dir, id));
    } catch (const std::system_error&) {
        return std::nullopt;
    }
    DeferInfo d;
    bool have_attempts = false, have_next = false;
    std::string_view rest = text;
    for (size_t nl; (nl = rest.find('\n')) != std::string_view::npos; rest.remove_prefix(nl + 1)) {
        auto line = rest.substr(0, nl);
        auto sp = line.find(' ');
        auto key = line.substr(0, sp);
        auto value = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
        if (key == "attempts") {
            auto v = to_int(value);
            if (!v || *v < 0) return std::nullopt;
            d.attempts = static_cast<int>(*v);
            have_attempts = true;
        } else if (key == "next") {
            auto v = to_int(value);
            if (!v) return std::nullopt;
            d.next_attempt = *v;
            have_next = true;
        } else if (key == "reason") {
            d.reason = std::string(value);
        }  // unknown keys are ignored (newer writers)
    }
    if (!have_attempts || !have_next) return std::nullopt;
    return d;
}

}  // namespace magpie::queue
