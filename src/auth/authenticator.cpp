// Password authentication of directory users.
#include "auth/authenticator.h"

#include <random>

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

namespace {

// A hash of a random password made like users' hashes, checked for unknown logins so
// that their answer takes as long as a real user's (no user enumeration by timing).
const std::string& dummy_hash() {
    static const std::string h = [] {
        std::random_device rd;
        std::string pw;
        for (int i = 0; i < 4; ++i) pw += std::to_string(rd());
        return hash_password(pw);
    }();
    return h;
}

}  // namespace

std::optional<std::string> authenticate(const store::Snapshot& s, std::string_view login,
                                        std::string_view password) {
    auto name = login_user(s, login);
    if (!name) {
        verify_password(password, dummy_hash());
        return std::nullopt;
    }
    const auto& u = s.users.at(*name);
    // A disabled user's hash is checked too: the answer takes the same time.
    bool ok = verify_password(password, u.password_hash.empty() ? dummy_hash() : u.password_hash) &&
              !u.password_hash.empty();
    if (u.disabled || !ok) return std::nullopt;
    return name;
}

namespace {

bool is_master(const store::Snapshot& s, const std::string& user) {
    for (auto& m : split_list(s.settings.master_users)) {
        if (to_lower(m) == user) return true;
    }
    return false;
}

}  // namespace

std::optional<MailLogin> authenticate_mail(const store::Snapshot& s, std::string_view authzid,
                                           std::string_view authcid, std::string_view password) {
    std::string_view target = authzid;
    std::string_view login = authcid;
    if (auto star = authcid.rfind('*'); target.empty() && star != std::string_view::npos) {
        target = authcid.substr(0, star);
        login = authcid.substr(star + 1);
    }
    auto who = authenticate(s, login, password);
    if (!who) return std::nullopt;
    if (target.empty()) return MailLogin{*who, ""};
    auto user = login_user(s, target);
    if (!user) return std::nullopt;
    if (*user == *who) return MailLogin{*who, ""};
    if (!is_master(s, *who) || s.users.at(*user).disabled) return std::nullopt;
    return MailLogin{*user, *who};
}

}  // namespace magpie::auth
