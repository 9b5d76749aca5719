// Login checks against the directory: which user a login name means and whether the
// password fits. Used by SMTP AUTH, IMAP and POP3.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "store/directory.h"

namespace magpie::auth {

// The user a login names: "user", or "user@domain" when the domain is local and has
// user_addresses. Case-insensitive. nullopt when there is no such user.
std::optional<std::string> login_user(const store::Snapshot& s, std::string_view login);

// The canonical user name when the login and password are right and the user is enabled.
std::optional<std::string> authenticate(const store::Snapshot& s, std::string_view login,
                                        std::string_view password);

}  // namespace magpie::auth
