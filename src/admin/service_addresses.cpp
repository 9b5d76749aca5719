// Service layer: addresses (domain-specific "local@domain" or wildcard "local") and their
// destinations.
#include "admin/service_impl.h"
#include "core/strings.h"
#include "store/address.h"

namespace magpie::admin {

// Lower-cases and checks ADDR; a domain-specific address needs an existing domain.
static Result<std::string> check_address(Service::Impl& impl, std::string_view address) {
    auto a = to_lower(trim(address));
    auto [local, domain] = store::split_address(a);
    if (!store::valid_local_part(local))
        return Status::error(Errc::Invalid, "'" + std::string(address) +
                                                "' is not an address (local@domain or local)");
    if (a.find('@') != std::string::npos && !impl.domain_exists(domain))
        return Status::error(Errc::Invalid, "'" + std::string(domain) + "' is not a mail domain");
    return a;
}

static void save_destinations(store::Db& db, const std::string& address,
                              const std::vector<std::string>& dests) {
    db.prepare("DELETE FROM address_destinations WHERE address = ?").bind(1, address).run();
    auto ins = db.prepare(
        "INSERT INTO address_destinations (address, position, destination) VALUES (?, ?, ?)");
    for (size_t i = 0; i < dests.size(); ++i)
        ins.bind_all(address, static_cast<int64_t>(i), dests[i]).run();
}

Result<std::vector<store::Address>> Service::list_addresses() {
    return impl_->read<std::vector<store::Address>>([&]() -> Result<std::vector<store::Address>> {
        std::vector<store::Address> out;
        for (auto st =
                 impl_->db.prepare("SELECT address, internal FROM addresses ORDER BY address");
             st.step();)
            out.push_back({st.text(0), {}, st.int64(1) != 0});
        auto st = impl_->db.prepare(
            "SELECT destination FROM address_destinations WHERE address = ? ORDER BY position");
        for (auto& a : out) {
            st.bind(1, a.address);
            while (st.step()) a.destinations.push_back(st.text(0));
            st.reset();
        }
        return out;
    });
}

Result<store::Address> Service::get_address(std::string_view address) {
    auto all = list_addresses();
    if (!all.ok()) return Status(all);
    auto a = to_lower(trim(address));
    for (auto& x : all.value)
        if (x.address == a) return x;
    return Status::error(Errc::NotFound, "no address '" + std::string(address) + "'");
}

Status Service::add_address(std::string_view address, const std::vector<std::string>& destinations,
                            bool internal) {
    return impl_->write([&]() -> Status {
        auto a = check_address(*impl_, address);
        if (!a.ok()) return a;
        if (impl_->exists("addresses", a.value))
            return Status::error(Errc::Exists, "address '" + a.value + "' already exists");
        if (destinations.empty())
            return Status::error(Errc::Invalid, "an address needs at least one destination");
        auto d = impl_->check_destinations(destinations);
        if (!d.ok()) return d;
        impl_->db.prepare("INSERT INTO addresses (address, internal) VALUES (?, ?)")
            .bind_all(a.value, int64_t{internal})
            .run();
        save_destinations(impl_->db, a.value, d.value);
        return {};
    });
}

Status Service::set_address(std::string_view address,
                            const std::optional<std::vector<std::string>>& destinations,
                            std::optional<bool> internal) {
    return impl_->write([&]() -> Status {
        auto a = to_lower(trim(address));
        if (!impl_->exists("addresses", a))
            return Status::error(Errc::NotFound, "no address '" + std::string(address) + "'");
        if (destinations) {
            if (destinations->empty())
                return Status::error(Errc::Invalid, "an address needs at least one destination");
            auto d = impl_->check_destinations(*destinations);
            if (!d.ok()) return d;
            save_destinations(impl_->db, a, d.value);
        }
        if (internal)
            impl_->db.prepare("UPDATE addresses SET internal = ? WHERE address = ?")
                .bind_all(int64_t{*internal}, a)
                .run();
        return {};
    });
}

Status Service::remove_address(std::string_view address) {
    return impl_->write([&]() -> Status {
        auto a = to_lower(trim(address));
        if (!impl_->exists("addresses", a))
            return Status::error(Errc::NotFound, "no address '" + std::string(address) + "'");
        impl_->db.prepare("DELETE FROM addresses WHERE address = ?").bind(1, a).run();
        return {};
    });
}

}  // namespace magpie::admin
