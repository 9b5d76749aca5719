// Password authentication of directory users.
#include "auth/authenticator.h"

#include "auth/password.h"
#include "core/strings.h"

namespace magpie::auth {

std::optional<std::string> login_user(const store::Snapshot& s, std::string_view login) {
    auto name = to_lower(login);
    auto at = name.rfind('@');
    if (at != std::string::npos) {
        auto d = s.domains.find(name.substr(at + 1));
        if (d == s.domains.end() || !d->second.user_addresses) return std::nullopt;
        name.resize(at);
    }
    if (!s.users.count(name)) return std::nullopt;
    return name;
}

std::optional<std::string> authenticate(const store::Snapshot& s, std::string_view login,
                                        std::string_view password) {
    auto name = login_user(s, login);
    if (!name) return std::nullopt;
    const auto& u = s.users.at(*name);
    if (u.disabled || !verify_password(password, u.password_hash)) return std::nullopt;
    return name;
}

}  // namespace magpie::auth
