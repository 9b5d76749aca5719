// Writing and queueing the postmaster's quarantine notification (see quarantine_notice.h).
#include "queue/quarantine_notice.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "core/log.h"
#include "core/strings.h"
#include "mime/header.h"
#include "mime/rfc2047.h"
#include "queue/dsn.h"
#include "queue/spam_subject.h"
#include "store/router.h"

namespace magpie::queue {
namespace {

// Control characters (a stray CR/LF would start a new line) become spaces; the text is cut
// to `max` bytes without splitting a UTF-8 sequence.
std::string clean(std::string_view v, size_t max) {
    std::string out;
    for (char c : v) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
    if (out.size() > max) {
        size_t cut = max;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
        out.resize(cut);
        out += "...";
    }
    return out;
}

bool has_8bit(std::string_view s) {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// The decoded Subject of the message whose bytes start at `offset` of `fd`.
std::string subject_of(int fd, int64_t offset, int64_t size) {
    std::string head(static_cast<size_t>(std::clamp<int64_t>(size, 0, kMaxSubjectHead)), '\0');
    ssize_t n = ::pread(fd, head.data(), head.size(), static_cast<off_t>(offset));
    head.resize(n > 0 ? static_cast<size_t>(n) : 0);
    auto block = mime::parse_header(head, 0, 10000);
    auto* f = mime::find_field(block.fields, "subject");
    return f ? std::string(trim(mime::decode_rfc2047(f->raw_value))) : std::string();
}

}  // namespace

std::string make_quarantine_notice(const NoticeInput& in) {
    const auto& env = in.env;
    const std::string host = clean(in.hostname, 255);
    std::string m;
    m += "From: \"Mail Delivery System\" <MAILER-DAEMON@" + host + ">\r\n";
    m += "To: <" + clean(in.postmaster, 320) + ">\r\n";
    m += "Subject: Spam quarantined: " + clean(env.id, 64) + "\r\n";
    m += "Date: " + rfc5322_date(in.now) + "\r\n";
    m += fmt::format("Message-ID: <{}.{}.quarantine@{}>\r\n", in.now, clean(env.id, 64), host);
    m += "Auto-Submitted: auto-generated\r\n";  // RFC 3834 §5
    m += "MIME-Version: 1.0\r\n";
    m += "Content-Type: text/plain; charset=utf-8\r\n";
    std::string body;
    body += fmt::format("A message scored as spam was put in the quarantine mailbox \"{}\"\r\n",
                        clean(in.report.mailbox, 200));
    body += "instead of being delivered to its recipients.\r\n\r\n";
    body += "Queue ID:   " + clean(env.id, 64) + "\r\n";
    body += "Sender:     <" + clean(env.sender, 320) + ">\r\n";
    for (size_t i = 0; i < env.recipients.size() && i < kNoticeMaxRecipients; ++i) {
        body += (i == 0 ? "Recipients: <" : "            <") +
                clean(env.recipients[i].address, 320) + ">\r\n";
    }
    if (env.recipients.size() > kNoticeMaxRecipients)
        body += fmt::format("            ... and {} more\r\n",
                            env.recipients.size() - kNoticeMaxRecipients);
    body += "Subject:    " + clean(in.subject, kNoticeMaxSubject) + "\r\n";
    body += fmt::format("Score:      {:.2f}\r\n", in.report.score);
    if (in.report.rules.empty()) body += "Rules:      (none)\r\n";
    for (size_t i = 0; i < in.report.rules.size(); ++i)
        body +=
            (i == 0 ? "Rules:      " : "            ") + clean(in.report.rules[i], 200) + "\r\n";
    m += has_8bit(body) ? "Content-Transfer-Encoding: 8bit\r\n"
                        : "Content-Transfer-Encoding: 7bit\r\n";
    return m + "\r\n" + body;
}

std::string notice_postmaster(const store::Snapshot& snap, const std::string& hostname) {
    std::string host = to_lower(hostname);
    auto dot = host.find('.');
    if (dot != std::string::npos && store::is_local_domain(snap, host.substr(dot + 1)))
        return "postmaster@" + host.substr(dot + 1);
    if (store::is_local_domain(snap, host)) return "postmaster@" + host;
    std::string first;
    for (const auto& [name, d] : snap.domains) {
        if (d.relay_host.empty() && (first.empty() || name < first)) first = name;
    }
    return "postmaster@" + (first.empty() ? host : first);
}

std::string queue_quarantine_notice(const std::string& queue_dir, const std::string& hostname,
                                    const std::string& id, const QuarantineReport& report,
                                    const store::Snapshot& snap) {
    auto entry = read_entry(active_path(queue_dir, id));
    if (!entry) {
        log::info("filter", "{}: quarantine notification not sent: queue file unreadable", id);
        return "";
    }
    std::string subject;
    int fd = ::open(entry->path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        subject = subject_of(fd, entry->body_offset, entry->env.size);
        ::close(fd);
    }
    std::string postmaster = notice_postmaster(snap, hostname);
    Envelope env;
    env.recipients.push_back({postmaster, "", ""});
    env.targets = store::expand_recipients(snap, {postmaster});
    if (env.targets.empty()) {
        log::info("filter", "{}: quarantine notification discarded: {} reaches nobody", id,
                  postmaster);
        return "";
    }
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    std::string msg =
        make_quarantine_notice({entry->env, subject, report, hostname, postmaster, now});
    if (has_8bit(msg)) env.body = "8BITMIME";
    env.message_id = fmt::format("<{}.{}.quarantine@{}>", now, clean(id, 64), clean(hostname, 255));
    enqueue_local(queue_dir, env, msg, now);
    log::info("filter", "{}: quarantine notification to <{}>: {}", id, postmaster, env.id);
    return env.id;
}

}  // namespace magpie::queue
