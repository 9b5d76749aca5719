// Junk retention job (see junk_expiry.h).
#include "server/junk_expiry.h"

#include <unistd.h>

#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "core/log.h"
#include "mailbox/expiry.h"
#include "net/blocking.h"
#include "store/paths.h"
#include "store/retention.h"

namespace magpie::server {

namespace asio = net::asio;

size_t expire_junk_now(const store::Snapshot& snap, mailbox::Registry& registry, int64_t now,
                       const char* why) {
    std::vector<mailbox::RetentionRule> rules;
    std::map<std::string, int64_t> days;
    for (const auto& [name, user] : snap.users) {
        int64_t d = store::retention_days_of(snap.settings, user);
        if (d > 0) rules.push_back({name, d});
        days[name] = d;
    }
    std::vector<std::string> failed;
    auto counts = mailbox::expire_junk(registry, rules, now, &failed);
    size_t total = 0;
    for (const auto& c : counts) {
        total += c.expunged;
        if (c.expunged > 0) {
            log::info("expire", "{}: expunged {} message(s) older than {} days from {}", c.user,
                      c.expunged, days[c.user], mailbox::kJunkFolder);
        }
    }
    for (const auto& f : failed) log::info("expire", "warning: Junk expiry of {}", f);
    log::info("expire", "Junk expiry ({}): {} folder(s) checked, {} message(s) expunged", why,
              counts.size(), total);
    return total;
}

net::awaitable<void> junk_expiry_loop(const Config& cfg, store::SnapshotCache& directory,
                                      mailbox::Registry& registry, asio::thread_pool& blocking,
                                      std::atomic<bool>& stopping) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    const std::string trigger = store::junk_expiry_trigger(cfg.data_dir);
    auto next = std::chrono::steady_clock::now() + kJunkExpiryFirstRun;
    while (!stopping) {
        t.expires_after(std::chrono::seconds(1));
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (stopping) break;
        const char* why = nullptr;
        if (::unlink(trigger.c_str()) == 0) {
            why = "requested";
        } else if (std::chrono::steady_clock::now() >= next) {
            why = "scheduled";
        }
        if (!why) continue;
        next = std::chrono::steady_clock::now() + kJunkExpiryInterval;
        auto snap = directory.get();
        co_await net::run_blocking(blocking, [&]() -> size_t {
            try {
                return expire_junk_now(*snap, registry, static_cast<int64_t>(std::time(nullptr)),
                                       why);
            } catch (const std::exception& e) {
                log::info("expire", "warning: Junk expiry failed: {}", e.what());
                return 0;
            }
        });
    }
}

}  // namespace magpie::server
