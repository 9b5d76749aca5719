// Where the servers meet the password-guessing throttle (auth/throttle.h): wait for the
// client's turn before a password check, and record the outcome after it. Clients in
// trusted_networks pass at once and are not counted. A block is logged once, in a line
// fail2ban can match: "auth: warning: blocked [ADDRESS] for N s after M failed logins".
#pragma once
#include <string>

#include "auth/throttle.h"
#include "net/asio.h"
#include "store/settings.h"

namespace magpie::net {

// Waits for the turn of a login attempt; false when the address is blocked (answer as a
// failed login without checking). `throttle` may be null (no throttle).
awaitable<bool> login_turn(auth::LoginThrottle* throttle, const store::Settings& s,
                           const std::string& ip, const std::string& account);
// Records the result of the check.
void login_result(auth::LoginThrottle* throttle, const store::Settings& s, const std::string& ip,
                  const std::string& account, bool ok);

}  // namespace magpie::net
