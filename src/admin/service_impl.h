// Internals shared by the service-layer source files: the locked connection, the
// transaction wrapper and the validators for names, addresses and destinations.
#pragma once
#include <functional>
#include <mutex>

#include "admin/service.h"
#include "store/db.h"

namespace magpie::admin {

struct Service::Impl {
    std::mutex mu;
    store::Db db;
    std::string data_dir;  // the DB's folder; DKIM keys live under data_dir/dkim

    explicit Impl(const std::string& path);

    // Runs `body` in a write transaction; commits and bumps the generation when it succeeds
    // (`bump` false for writes the servers need not see: API sessions, the audit trail).
    Status write(const std::function<Status()>& body, bool bump = true);
    // Runs `body` under the lock, turning database errors into Errc::Internal.
    template <typename T>
    Result<T> read(const std::function<Result<T>()>& body) {
        std::lock_guard lock(mu);
        try {
            return body();
        } catch (const std::exception& e) {
            return Status::error(Errc::Internal, e.what());
        }
    }

    // `table` is one of the fixed table names, whose key column is `name` or `address`.
    bool exists(const char* table, std::string_view key);
    bool domain_exists(std::string_view d) { return exists("domains", d); }
    bool user_exists(std::string_view u) { return exists("users", u); }
    bool group_exists(std::string_view g) { return exists("mail_groups", g); }
    bool public_exists(std::string_view p) { return exists("public_mailboxes", p); }

    // Canonical email address: domain lower case, and the local part too when local.
    Result<std::string> check_email(std::string_view address, std::string_view what);
    // A user, group, "public:NAME" that exists, or an email address; canonical form.
    Result<std::string> check_destination(std::string_view dest);
    Result<std::vector<std::string>> check_destinations(const std::vector<std::string>& dests);
    // Removes `dest` from address destinations (dropping addresses left empty) and from
    // catch-all lists.
    void drop_destination(const std::string& dest);
};

// Lower-cases and checks a user/group/public mailbox name.
Result<std::string> check_name(std::string_view name, std::string_view what);

}  // namespace magpie::admin
