// Queueing a DSN to the sender or, failing that, the postmaster (see bounce.h).
#include "queue/bounce.h"

#include <algorithm>
#include <ctime>

#include "core/fs.h"
#include "core/log.h"
#include "core/strings.h"
#include "mime/header.h"
#include "store/router.h"

namespace magpie::queue {

std::string queue_dsn(const std::string& queue_dir, const std::string& hostname,
                      const Envelope& orig, std::vector<DsnRecipient> rcpts,
                      std::string_view original, const store::Snapshot& snap) {
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    DsnInput in{orig,
                std::move(rcpts),
                hostname,
                orig.arrival,
                now,
                original,
                snap.settings.bounce_size_limit};
    std::string msg = make_dsn(in);
    Envelope env;
    env.recipients.push_back({orig.sender, "", ""});
    env.targets = store::expand_recipients(snap, {orig.sender});
    if (env.targets.empty()) {
        auto at = orig.sender.rfind('@');
        std::string domain =
            at == std::string::npos ? hostname : to_lower(orig.sender.substr(at + 1));
        if (!store::is_local_domain(snap, domain)) domain = hostname;
        std::string postmaster = "postmaster@" + domain;
        env.recipients = {{postmaster, "", ""}};
        env.targets = store::expand_recipients(snap, {postmaster});
        if (env.targets.empty()) {
            log::info("bounce",
                      "{}: notification to <{}> discarded: neither the sender nor {} can "
                      "receive it",
                      orig.id, orig.sender, postmaster);
            return "";
        }
        log::info("bounce", "{}: sender <{}> cannot receive the notification; sent to {}", orig.id,
                  orig.sender, postmaster);
    }
    auto block = mime::parse_header(msg, 0, 100);
    if (auto* mid = mime::find_field(block.fields, "message-id"))
        env.message_id = mime::unfold_trim(mid->raw_value);
    enqueue_local(queue_dir, env, msg, now);
    log::info("bounce", "{}: sender non-delivery notification: {}", orig.id, env.id);
    return env.id;
}

std::string dsn_original(int fd, int64_t offset, int64_t size) {
    int64_t want = size <= kMaxOriginalForDsn ? size : std::min<int64_t>(size, 1 << 20);
    std::string out(static_cast<size_t>(std::max<int64_t>(want, 0)), '\0');
    ssize_t got = fs::read_at(fd, out.data(), out.size(), static_cast<off_t>(offset));
    out.resize(static_cast<size_t>(std::max<ssize_t>(got, 0)));
    if (size > kMaxOriginalForDsn) {
        auto end = out.find("\r\n\r\n");
        if (end != std::string::npos) out.resize(end + 4);
    }
    return out;
}

}  // namespace magpie::queue
