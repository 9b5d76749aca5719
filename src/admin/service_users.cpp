// Service layer: users (passwords, disable/enable, forwards, storage quota, Junk retention).
#include "admin/service_impl.h"
#include "auth/password.h"
#include "core/strings.h"
#include "store/retention.h"

namespace magpie::admin {
namespace {

constexpr const char* kSelect =
    "SELECT name, password_hash, disabled, forwards, keep_copy, quota, spam_retention_days "
    "FROM users";

UserInfo read_user(store::Statement& st) {
    UserInfo u{st.text(0), st.int64(2) != 0, !st.text(1).empty(), split_list(st.text(3)),
               st.int64(4) != 0};
    if (!st.is_null(5)) u.quota = st.int64(5);
    if (!st.is_null(6)) u.spam_retention_days = st.int64(6);
    return u;
}

Status not_found(std::string_view name) {
    return Status::error(Errc::NotFound, "no user named '" + std::string(name) + "'");
}

Result<std::string> hash(std::optional<std::string_view> password) {
    if (!password) return std::string();
    if (password->empty()) return Status::error(Errc::Invalid, "the password must not be empty");
    try {
        return auth::hash_password(*password);
    } catch (const std::exception& e) {
        return Status::error(Errc::Internal, e.what());
    }
}

}  // namespace

// Validates `opts` and writes them to the existing row of `name`.
static Status apply_user_options(Service::Impl& impl, const std::string& name,
                                 const UserOptions& opts) {
    auto& db = impl.db;
    if (opts.forwards) {
        std::vector<std::string> fwd;
        for (auto& f : *opts.forwards) {
            auto r = impl.check_email(f, "forward address");
            if (!r.ok()) return r;
            fwd.push_back(r.value);
        }
        db.prepare("UPDATE users SET forwards = ? WHERE name = ?")
            .bind_all(join(fwd, ","), name)
            .run();
    }
    if (opts.disabled)
        db.prepare("UPDATE users SET disabled = ? WHERE name = ?")
            .bind_all(int64_t{*opts.disabled}, name)
            .run();
    if (opts.keep_copy)
        db.prepare("UPDATE users SET keep_copy = ? WHERE name = ?")
            .bind_all(int64_t{*opts.keep_copy}, name)
            .run();
    if (opts.quota) {
        if (*opts.quota && **opts.quota < 0)
            return Status::error(Errc::Invalid, "the quota must not be negative");
        auto st = db.prepare("UPDATE users SET quota = ? WHERE name = ?");
        if (*opts.quota) {
            st.bind(1, **opts.quota);
        } else {
            st.bind_null(1);
        }
        st.bind(2, name).run();
    }
    if (opts.spam_retention_days) {
        const auto& days = *opts.spam_retention_days;
        if (days && (*days < 0 || *days > store::kMaxRetentionDays))
            return Status::error(Errc::Invalid, "the Junk retention must be 0 to " +
                                                    std::to_string(store::kMaxRetentionDays) +
                                                    " days");
        auto st = db.prepare("UPDATE users SET spam_retention_days = ? WHERE name = ?");
        if (days) {
            st.bind(1, *days);
        } else {
            st.bind_null(1);
        }
        st.bind(2, name).run();
    }
    return {};
}

Result<std::vector<UserInfo>> Service::list_users() {
    return impl_->read<std::vector<UserInfo>>([&]() -> Result<std::vector<UserInfo>> {
        std::vector<UserInfo> out;
        for (auto st = impl_->db.prepare(std::string(kSelect) + " ORDER BY name"); st.step();)
            out.push_back(read_user(st));
        return out;
    });
}

Result<UserInfo> Service::get_user(std::string_view name) {
    return impl_->read<UserInfo>([&]() -> Result<UserInfo> {
        auto st = impl_->db.prepare(std::string(kSelect) + " WHERE name = ?");
        st.bind(1, to_lower(trim(name)));
        if (!st.step()) return not_found(name);
        return read_user(st);
    });
}

Status Service::add_user(std::string_view name, std::optional<std::string_view> password,
                         const UserOptions& opts) {
    auto h = hash(password);  // outside the lock: hashing is deliberately slow
    if (!h.ok()) return h;
    return impl_->write([&]() -> Status {
        auto n = check_name(name, "user");
        if (!n.ok()) return n;
        if (impl_->user_exists(n.value))
            return Status::error(Errc::Exists, "user '" + n.value + "' already exists");
        if (impl_->group_exists(n.value))
            return Status::error(Errc::Exists, "a group named '" + n.value + "' exists");
        impl_->db.prepare("INSERT INTO users (name, password_hash) VALUES (?, ?)")
            .bind_all(n.value, h.value)
            .run();
        return apply_user_options(*impl_, n.value, opts);
    });
}

Status Service::set_password(std::string_view name, std::optional<std::string_view> password) {
    auto h = hash(password);
    if (!h.ok()) return h;
    return impl_->write([&]() -> Status {
        auto n = to_lower(trim(name));
        if (!impl_->user_exists(n)) return not_found(name);
        impl_->db.prepare("UPDATE users SET password_hash = ? WHERE name = ?")
            .bind_all(h.value, n)
            .run();
        return {};
    });
}

Status Service::set_user(std::string_view name, const UserOptions& opts) {
    return impl_->write([&]() -> Status {
        auto n = to_lower(trim(name));
        if (!impl_->user_exists(n)) return not_found(name);
        return apply_user_options(*impl_, n, opts);
    });
}

Status Service::remove_user(std::string_view name) {
    return impl_->write([&]() -> Status {
        auto n = to_lower(trim(name));
        if (!impl_->user_exists(n)) return not_found(name);
        impl_->db.prepare("DELETE FROM users WHERE name = ?").bind(1, n).run();
        impl_->drop_destination(n);
        return {};
    });
}

}  // namespace magpie::admin
