// Service layer: mail domains.
#include "admin/service_impl.h"
#include "core/strings.h"
#include "store/address.h"
#include "store/relay_rules.h"

namespace magpie::admin {
namespace {

store::Domain read_domain(store::Statement& st) {
    return {st.text(0), st.int64(1) != 0, st.int64(2) != 0, split_list(st.text(3)),
            st.text(4), st.text(5)};
}

constexpr const char* kSelect =
    "SELECT name, user_addresses, group_addresses, catch_all, hidden_copy, relay_host FROM "
    "domains";

Result<std::string> check_domain_name(std::string_view name) {
    auto d = to_lower(trim(name));
    if (!store::valid_domain(d))
        return Status::error(Errc::Invalid, "'" + std::string(name) + "' is not a domain name");
    return d;
}

}  // namespace

Result<std::vector<store::Domain>> Service::list_domains() {
    return impl_->read<std::vector<store::Domain>>([&]() -> Result<std::vector<store::Domain>> {
        std::vector<store::Domain> out;
        for (auto st = impl_->db.prepare(std::string(kSelect) + " ORDER BY name"); st.step();)
            out.push_back(read_domain(st));
        return out;
    });
}

Result<store::Domain> Service::get_domain(std::string_view name) {
    return impl_->read<store::Domain>([&]() -> Result<store::Domain> {
        auto st = impl_->db.prepare(std::string(kSelect) + " WHERE name = ?");
        st.bind(1, to_lower(trim(name)));
        if (!st.step())
            return Status::error(Errc::NotFound, "no domain named '" + std::string(name) + "'");
        return read_domain(st);
    });
}

// Applies `opts` on top of `d`, validating each given field.
static Status apply_domain_options(Service::Impl& impl, store::Domain& d,
                                   const DomainOptions& opts) {
    if (opts.user_addresses) d.user_addresses = *opts.user_addresses;
    if (opts.group_addresses) d.group_addresses = *opts.group_addresses;
    if (opts.catch_all) {
        auto r = impl.check_destinations(*opts.catch_all);
        if (!r.ok()) return r;
        d.catch_all = r.value;
    }
    if (opts.hidden_copy) {
        d.hidden_copy.clear();
        if (!trim(*opts.hidden_copy).empty()) {
            auto r = impl.check_email(*opts.hidden_copy, "hidden copy address");
            if (!r.ok()) return r;
            d.hidden_copy = r.value;
        }
    }
    if (opts.relay_host) {
        d.relay_host.clear();
        if (!trim(*opts.relay_host).empty()) {
            auto hp = store::parse_relay_host(*opts.relay_host);
            if (!hp)
                return Status::error(Errc::Invalid, "relay host '" + *opts.relay_host +
                                                        "' is not HOST or HOST:PORT");
            d.relay_host =
                hp->host.find(':') != std::string::npos ? "[" + hp->host + "]" : hp->host;
            if (hp->port != 25) d.relay_host += ":" + std::to_string(hp->port);
        }
    }
    return {};
}

static void save_domain(store::Db& db, const store::Domain& d) {
    db.prepare(
          "INSERT OR REPLACE INTO domains (name, user_addresses, group_addresses, catch_all, "
          "hidden_copy, relay_host) VALUES (?, ?, ?, ?, ?, ?)")
        .bind_all(d.name, int64_t{d.user_addresses}, int64_t{d.group_addresses},
                  join(d.catch_all, ","), d.hidden_copy, d.relay_host)
        .run();
}

Status Service::add_domain(std::string_view name, const DomainOptions& opts) {
    auto added = impl_->write([&]() -> Status {
        auto n = check_domain_name(name);
        if (!n.ok()) return n;
        if (impl_->domain_exists(n.value))
            return Status::error(Errc::Exists, "domain '" + n.value + "' already exists");
        store::Domain d;
        d.name = n.value;
        // Insert first so destinations in this very domain count as local.
        save_domain(impl_->db, d);
        auto st = apply_domain_options(*impl_, d, opts);
        if (!st.ok()) return st;
        save_domain(impl_->db, d);
        return {};
    });
    if (!added.ok()) return added;
    // Every domain gets its DKIM signing key now (dkim_show makes a missing one).
    auto dkim = dkim_show(name);
    if (!dkim.ok())
        return Status::error(Errc::Internal,
                             "domain added, but its DKIM key was not made: " + dkim.message);
    return {};
}

Status Service::set_domain(std::string_view name, const DomainOptions& opts) {
    return impl_->write([&]() -> Status {
        auto st = impl_->db.prepare(std::string(kSelect) + " WHERE name = ?");
        st.bind(1, to_lower(trim(name)));
        if (!st.step())
            return Status::error(Errc::NotFound, "no domain named '" + std::string(name) + "'");
        auto d = read_domain(st);
        auto applied = apply_domain_options(*impl_, d, opts);
        if (!applied.ok()) return applied;
        save_domain(impl_->db, d);
        return {};
    });
}

Status Service::remove_domain(std::string_view name) {
    return impl_->write([&]() -> Status {
        auto n = to_lower(trim(name));
        if (!impl_->domain_exists(n))
            return Status::error(Errc::NotFound, "no domain named '" + n + "'");
        impl_->db.prepare("DELETE FROM domains WHERE name = ?").bind(1, n).run();
        impl_->db
            .prepare(
                "DELETE FROM addresses WHERE length(address) > length(?1) AND "
                "substr(address, length(address) - length(?1) + 1) = ?1")
            .bind(1, "@" + n)
            .run();
        return {};
    });
}

}  // namespace magpie::admin
