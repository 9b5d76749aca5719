// Service layer: per-domain DKIM keys (dkim/key_store.h) — show, enable/disable, rotate.
// Keys are files under data_dir/dkim, not DB rows; the domain must exist in the DB.
#include "admin/service_impl.h"
#include "core/strings.h"
#include "dkim/key_record.h"
#include "dkim/key_store.h"

namespace magpie::admin {
namespace {

dkim::KeyStore key_store(const Service::Impl& impl) {
    return dkim::KeyStore(impl.data_dir + "/dkim");
}

DkimInfo describe(const dkim::KeyStore& ks, const std::string& domain,
                  const dkim::PrivateKey& key) {
    DkimInfo info;
    info.domain = domain;
    info.selector = std::string(dkim::kDefaultSelector);
    info.algorithm = std::string(dkim::key_type_name(key.type()));
    info.enabled = ks.enabled(domain);
    info.dns_name = dkim::key_dns_name(info.selector, domain);
    info.txt_record = dkim::key_record_text(key);
    info.zone_line = dkim::bind_zone_line(info.selector, domain, info.txt_record);
    info.key_path = ks.key_path(domain);
    return info;
}

}  // namespace

// Runs `body` with the lock held once the domain is known to exist; errors (files, keys)
// become Errc::Internal.
template <typename T, typename F>
static Result<T> with_domain(Service::Impl& impl, std::string_view name, F body) {
    return impl.read<T>([&]() -> Result<T> {
        auto d = to_lower(trim(name));
        if (!impl.domain_exists(d))
            return Status::error(Errc::NotFound, "no domain named '" + std::string(name) + "'");
        return body(key_store(impl), d);
    });
}

Result<DkimInfo> Service::dkim_show(std::string_view domain) {
    return with_domain<DkimInfo>(*impl_, domain,
                                 [](const dkim::KeyStore& ks, const std::string& d) {
                                     return describe(ks, d, ks.ensure(d));
                                 });
}

Status Service::dkim_set_enabled(std::string_view domain, bool on) {
    return with_domain<bool>(*impl_, domain, [&](const dkim::KeyStore& ks, const std::string& d) {
        ks.set_enabled(d, on);
        return true;
    });
}

Result<DkimInfo> Service::dkim_rotate(std::string_view domain, std::optional<dkim::KeyType> type) {
    return with_domain<DkimInfo>(*impl_, domain,
                                 [&](const dkim::KeyStore& ks, const std::string& d) {
                                     auto old = ks.load(d);
                                     auto t = type ? *type : old ? old->type() : dkim::KeyType::Rsa;
                                     return describe(ks, d, ks.rotate(d, t));
                                 });
}

Result<std::optional<dkim::SigningKey>> Service::dkim_signing_key(std::string_view domain) {
    using Key = std::optional<dkim::SigningKey>;
    return with_domain<Key>(*impl_, domain, [](const dkim::KeyStore& ks, const std::string& d) {
        ks.ensure(d);
        return ks.signing_key(d);
    });
}

}  // namespace magpie::admin
