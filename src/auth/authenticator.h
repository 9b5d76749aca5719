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

// A mailbox login (IMAP, POP3): whose mailboxes open, and the master user who logged in
// for them ("john*admin" with admin's password, admin listed in the master_users setting).
struct MailLogin {
    std::string user;
    std::string master;  // empty for a user's own login
};

// Checks a mailbox login. `authzid` is the SASL authorization identity (RFC 4616), or "";
// a login "user*master" is the same as authzid "user" with authcid "master".
std::optional<MailLogin> authenticate_mail(const store::Snapshot& s, std::string_view authzid,
                                           std::string_view authcid, std::string_view password);

}  // namespace magpie::auth
