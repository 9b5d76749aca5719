// Service layer: admin accounts of the HTTP API (name, hashed password, role) and the login
// checks of admins and of mail users (self-service).
#include <ctime>

#include "admin/service_impl.h"
#include "auth/password.h"
#include "core/strings.h"

namespace magpie::admin {
namespace {

bool valid_role(std::string_view r) {
    return r == "admin" || r == "mailadm" || r == "readonly";
}

Status bad_role(std::string_view r) {
    return Status::error(
        Errc::Invalid, "role '" + std::string(r) + "' is invalid: use admin, mailadm or readonly");
}

Status no_admin(std::string_view name) {
    return Status::error(Errc::NotFound, "no admin named '" + std::string(name) + "'");
}

Result<std::string> hash_admin_password(std::string_view password) {
    if (password.empty()) return Status::error(Errc::Invalid, "the password must not be empty");
    try {
        return auth::hash_password(password);
    } catch (const std::exception& e) {
        return Status::error(Errc::Internal, e.what());
    }
}

AdminInfo read_admin(store::Statement& st) {
    return AdminInfo{st.text(0), st.text(1), st.int64(2)};
}

}  // namespace

Result<std::vector<AdminInfo>> Service::list_admins() {
    return impl_->read<std::vector<AdminInfo>>([&]() -> Result<std::vector<AdminInfo>> {
        std::vector<AdminInfo> out;
        for (auto st = impl_->db.prepare("SELECT name, role, created FROM admins ORDER BY name");
             st.step();)
            out.push_back(read_admin(st));
        return out;
    });
}

Result<AdminInfo> Service::get_admin(std::string_view name) {
    return impl_->read<AdminInfo>([&]() -> Result<AdminInfo> {
        auto st = impl_->db.prepare("SELECT name, role, created FROM admins WHERE name = ?");
        st.bind(1, to_lower(trim(name)));
        if (!st.step()) return no_admin(name);
        return read_admin(st);
    });
}

Status Service::add_admin(std::string_view name, std::string_view password, std::string_view role) {
    if (!valid_role(role)) return bad_role(role);
    auto h = hash_admin_password(password);  // outside the lock: hashing is slow on purpose
    if (!h.ok()) return h;
    return impl_->write(
        [&]() -> Status {
            auto n = check_name(name, "admin");
            if (!n.ok()) return n;
            if (impl_->exists("admins", n.value))
                return Status::error(Errc::Exists, "admin '" + n.value + "' already exists");
            impl_->db
                .prepare(
                    "INSERT INTO admins (name, password_hash, role, created) "
                    "VALUES (?, ?, ?, ?)")
                .bind_all(n.value, h.value, role, int64_t{std::time(nullptr)})
                .run();
            return {};
        },
        false);
}

Status Service::set_admin_password(std::string_view name, std::string_view password) {
    auto h = hash_admin_password(password);
    if (!h.ok()) return h;
    return impl_->write(
        [&]() -> Status {
            auto n = to_lower(trim(name));
            if (!impl_->exists("admins", n)) return no_admin(name);
            impl_->db.prepare("UPDATE admins SET password_hash = ? WHERE name = ?")
                .bind_all(h.value, n)
                .run();
            impl_->db.prepare("DELETE FROM api_sessions WHERE kind = 'admin' AND subject = ?")
                .bind(1, n)
                .run();
            return {};
        },
        false);
}

Status Service::set_admin_role(std::string_view name, std::string_view role) {
    if (!valid_role(role)) return bad_role(role);
    return impl_->write(
        [&]() -> Status {
            auto n = to_lower(trim(name));
            if (!impl_->exists("admins", n)) return no_admin(name);
            impl_->db.prepare("UPDATE admins SET role = ? WHERE name = ?").bind_all(role, n).run();
            impl_->db.prepare("DELETE FROM api_sessions WHERE kind = 'admin' AND subject = ?")
                .bind(1, n)
                .run();
            return {};
        },
        false);
}

Status Service::remove_admin(std::string_view name) {
    return impl_->write(
        [&]() -> Status {
            auto n = to_lower(trim(name));
            if (!impl_->exists("admins", n)) return no_admin(name);
            impl_->db.prepare("DELETE FROM admins WHERE name = ?").bind(1, n).run();
            impl_->db.prepare("DELETE FROM api_sessions WHERE kind = 'admin' AND subject = ?")
                .bind(1, n)
                .run();
            return {};
        },
        false);
}

Result<AdminInfo> Service::check_admin_login(std::string_view name, std::string_view password) {
    auto bad = Status::error(Errc::Invalid, "wrong name or password");
    std::string hash;
    auto info = impl_->read<AdminInfo>([&]() -> Result<AdminInfo> {
        auto st = impl_->db.prepare(
            "SELECT name, role, created, password_hash FROM admins WHERE name = ?");
        st.bind(1, to_lower(trim(name)));
        if (!st.step()) return bad;
        hash = st.text(3);
        return read_admin(st);
    });
    if (!info.ok()) return info;
    // Outside the lock: verification is slow on purpose.
    if (!auth::verify_password(password, hash)) return bad;
    return info;
}

Result<std::string> Service::check_user_login(std::string_view name, std::string_view password) {
    auto bad = Status::error(Errc::Invalid, "wrong name or password");
    std::string hash;
    auto user = impl_->read<std::string>([&]() -> Result<std::string> {
        auto st = impl_->db.prepare(
            "SELECT name, password_hash FROM users WHERE name = ? AND disabled = 0");
        st.bind(1, to_lower(trim(name)));
        if (!st.step()) return bad;
        hash = st.text(1);
        return st.text(0);
    });
    if (!user.ok()) return user;
    if (!auth::verify_password(password, hash)) return bad;
    return user;
}

}  // namespace magpie::admin
