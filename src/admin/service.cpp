// Service layer core: opening the DB, the write wrapper and the shared validators.
#include "admin/service.h"

#include <filesystem>

#include "admin/service_impl.h"
#include "core/strings.h"
#include "store/address.h"
#include "store/schema.h"

namespace magpie::admin {

Service::Impl::Impl(const std::string& path)
    : db(path), data_dir(std::filesystem::path(path).parent_path().string()) {
    if (data_dir.empty()) data_dir = ".";
    store::ensure_schema(db);
}

Status Service::Impl::write(const std::function<Status()>& body, bool bump) {
    std::lock_guard lock(mu);
    try {
        store::Transaction tx(db);
        auto st = body();
        if (!st.ok()) return st;
        if (bump) store::bump_generation(db);
        tx.commit();
        return st;
    } catch (const std::exception& e) {
        return Status::error(Errc::Internal, e.what());
    }
}

bool Service::Impl::exists(const char* table, std::string_view key) {
    std::string col = std::string_view(table) == "addresses" ? "address" : "name";
    auto st = db.prepare(std::string("SELECT 1 FROM ") + table + " WHERE " + col + " = ?");
    st.bind(1, key);
    return st.step();
}

Result<std::string> check_name(std::string_view name, std::string_view what) {
    auto n = to_lower(trim(name));
    if (!store::valid_name(n))
        return Status::error(Errc::Invalid,
                             std::string(what) + " name '" + std::string(name) +
                                 "' is invalid: use 1-64 of a-z 0-9 . _ - starting with a "
                                 "letter or digit");
    return n;
}

Result<std::string> Service::Impl::check_email(std::string_view address, std::string_view what) {
    auto a = std::string(trim(address));
    if (!store::valid_email(a))
        return Status::error(Errc::Invalid, std::string(what) + " '" + a +
                                                "' is not an email address (local@domain)");
    auto canonical = store::normalize_remote(a);
    if (domain_exists(store::split_address(canonical).domain)) canonical = to_lower(canonical);
    return canonical;
}

Result<std::string> Service::Impl::check_destination(std::string_view dest) {
    auto d = std::string(trim(dest));
    if (istarts_with(d, "public:")) {
        auto name = to_lower(d.substr(7));
        if (!public_exists(name))
            return Status::error(Errc::Invalid, "no public mailbox named '" + name + "'");
        return "public:" + name;
    }
    if (d.find('@') != std::string::npos) return check_email(d, "destination");
    auto name = to_lower(d);
    if (user_exists(name) || group_exists(name)) return name;
    return Status::error(Errc::Invalid, "destination '" + d +
                                            "' is not a user, a group, public:NAME or an "
                                            "email address");
}

Result<std::vector<std::string>> Service::Impl::check_destinations(
    const std::vector<std::string>& dests) {
    std::vector<std::string> out;
    for (auto& d : dests) {
        auto r = check_destination(d);
        if (!r.ok()) return Status(r);
        bool dup = false;
        for (auto& o : out) dup = dup || o == r.value;
        if (!dup) out.push_back(r.value);
    }
    return out;
}

void Service::Impl::drop_destination(const std::string& dest) {
    db.prepare("DELETE FROM address_destinations WHERE destination = ?").bind(1, dest).run();
    db.exec(
        "DELETE FROM addresses WHERE address NOT IN "
        "(SELECT address FROM address_destinations)");
    std::vector<std::pair<std::string, std::string>> updates;
    for (auto st = db.prepare("SELECT name, catch_all FROM domains WHERE catch_all != ''");
         st.step();) {
        auto list = split_list(st.text(1));
        std::vector<std::string> kept;
        for (auto& d : list)
            if (d != dest) kept.push_back(d);
        if (kept.size() != list.size()) updates.emplace_back(st.text(0), join(kept, ","));
    }
    for (auto& [name, list] : updates)
        db.prepare("UPDATE domains SET catch_all = ? WHERE name = ?").bind_all(list, name).run();
}

Service::Service(const std::string& db_path) : impl_(std::make_unique<Impl>(db_path)) {}

Service::~Service() = default;

uint64_t Service::generation() {
    std::lock_guard lock(impl_->mu);
    return store::read_generation(impl_->db);
}

}  // namespace magpie::admin
