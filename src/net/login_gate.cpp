// The servers' side of the password-guessing throttle.
#include "net/login_gate.h"

#include "core/cidr.h"
#include "core/log.h"
#include "core/strings.h"

namespace magpie::net {

namespace {

auth::ThrottlePolicy policy(const store::Settings& s) {
    auth::ThrottlePolicy p;
    p.free_failures = s.auth_throttle_free_failures;
    p.delay_ms = s.auth_throttle_delay_ms;
    p.max_delay_ms = std::max(s.auth_throttle_delay_ms, s.auth_throttle_max_delay_ms);
    p.block_failures = std::max<int64_t>(1, s.auth_block_failures);
    p.block_seconds = s.auth_block_time;
    return p;
}

bool exempt(const store::Settings& s, const std::string& ip) {
    auto a = IpAddr::parse(ip);
    return a && s.trusted_networks.contains(*a);
}

}  // namespace

awaitable<bool> login_turn(auth::LoginThrottle* throttle, const store::Settings& s,
                           const std::string& ip, const std::string& account) {
    if (!throttle || exempt(s, ip)) co_return true;
    auto now = auth::LoginThrottle::Clock::now();
    auto turn = throttle->reserve(ip, to_lower(account), now, policy(s));
    if (turn.at > now) {
        asio::steady_timer t(co_await asio::this_coro::executor);
        t.expires_at(turn.at);
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return !turn.blocked;
}

void login_result(auth::LoginThrottle* throttle, const store::Settings& s, const std::string& ip,
                  const std::string& account, bool ok) {
    if (!throttle || exempt(s, ip)) return;
    if (ok) {
        throttle->success(ip);
        return;
    }
    auto p = policy(s);
    if (throttle->failure(ip, to_lower(account), auth::LoginThrottle::Clock::now(), p))
        log::info("auth", "warning: blocked [{}] for {} s after {} failed logins", ip,
                  p.block_seconds, p.block_failures);
}

}  // namespace magpie::net
