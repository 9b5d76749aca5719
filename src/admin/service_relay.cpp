// Service layer: relay rules (store/relay_rules.h) — add, edit, enable/disable, remove,
// list. Enforces one default rule, type/pattern consistency, host and port syntax, and
// shares credentials and TLS among rules of one type with the same host:port (as
// NethServer's Relay page does).
#include "admin/service_impl.h"
#include "core/strings.h"
#include "store/address.h"
#include "store/relay_rules.h"

namespace magpie::admin {
namespace {

using Type = store::RelayRule::Type;

constexpr const char* kSelect =
    "SELECT id, type, pattern, host, port, username, password, tls_required, enabled FROM "
    "relay_rules";

store::RelayRule read_rule(store::Statement& st) {
    return {st.int64(0),
            store::parse_relay_type(st.text(1)).value_or(Type::Default),
            st.text(2),
            st.text(3),
            static_cast<int>(st.int64(4)),
            st.text(5),
            st.text(6),
            st.int64(7) != 0,
            st.int64(8) != 0};
}

RelayRuleInfo info(const store::RelayRule& r) {
    return {r.id,           r.type,   r.pattern, r.host, r.port, r.username, !r.password.empty(),
            r.tls_required, r.enabled};
}

std::optional<store::RelayRule> load_rule(store::Db& db, int64_t id) {
    auto st = db.prepare(std::string(kSelect) + " WHERE id = ?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return read_rule(st);
}

Status not_found(int64_t id) {
    return Status::error(Errc::NotFound, "no relay rule with id " + std::to_string(id));
}

// The canonical pattern: "user@domain" or "domain", lower case (the matcher compares
// case-insensitively); empty for the default rule.
Result<std::string> check_pattern(Type type, const std::string& pattern) {
    auto p = to_lower(trim(pattern));
    if (type == Type::Default) {
        if (!p.empty())
            return Status::error(Errc::Invalid, "a default relay rule takes no pattern");
        return p;
    }
    if (p.empty())
        return Status::error(Errc::Invalid, std::string("a ") + store::relay_type_name(type) +
                                                " relay rule needs a pattern (address or domain)");
    if (p.find('@') != std::string::npos ? !store::valid_email(p) : !store::valid_domain(p))
        return Status::error(Errc::Invalid,
                             "relay pattern '" + pattern + "' is not an address or a domain");
    return p;
}

// Applies `o` on top of `r` and validates the result.
Status apply(store::RelayRule& r, const RelayRuleOptions& o) {
    if (o.type) r.type = *o.type;
    if (o.pattern) r.pattern = *o.pattern;
    if (o.type && *o.type == Type::Default && !o.pattern) r.pattern.clear();
    auto p = check_pattern(r.type, r.pattern);
    if (!p.ok()) return p;
    r.pattern = p.value;
    if (o.host) {
        auto h = std::string(trim(*o.host));
        if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
        r.host = to_lower(h);
    }
    if (!store::valid_relay_host_name(r.host))
        return Status::error(Errc::Invalid, r.host.empty() ? "a relay rule needs a host"
                                                           : "relay host '" + r.host +
                                                                 "' is not a host name or IP "
                                                                 "address");
    if (o.port) r.port = *o.port;
    if (r.port < 1 || r.port > 65535)
        return Status::error(Errc::Invalid,
                             "relay port " + std::to_string(r.port) + " is not in 1-65535");
    if (o.username) {
        r.username = std::string(trim(*o.username));
        if (r.username.empty()) r.password.clear();
    }
    if (o.password) r.password = *o.password;
    for (auto* field : {&r.username, &r.password})
        for (char c : *field)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                return Status::error(Errc::Invalid,
                                     "relay credentials must not contain control characters");
    if (r.username.empty() != r.password.empty())
        return Status::error(Errc::Invalid,
                             "relay credentials need both a username and a password");
    if (o.tls_required) r.tls_required = *o.tls_required;
    if (o.enabled) r.enabled = *o.enabled;
    return {};
}

// Duplicates: one rule per (type, pattern), which also means one default rule.
Status check_unique(store::Db& db, const store::RelayRule& r) {
    auto st = db.prepare("SELECT id FROM relay_rules WHERE type = ? AND pattern = ? AND id != ?");
    st.bind_all(store::relay_type_name(r.type), r.pattern, r.id);
    if (!st.step()) return {};
    if (r.type == Type::Default)
        return Status::error(Errc::Exists, "a default relay rule already exists (id " +
                                               std::to_string(st.int64(0)) + ")");
    return Status::error(
        Errc::Exists, std::string("a ") + store::relay_type_name(r.type) + " relay rule for '" +
                          r.pattern + "' already exists (id " + std::to_string(st.int64(0)) + ")");
}

void save(store::Db& db, store::RelayRule& r) {
    if (r.id == 0) {
        db.prepare(
              "INSERT INTO relay_rules (type, pattern, host, port, username, password, "
              "tls_required, enabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind_all(store::relay_type_name(r.type), r.pattern, r.host, int64_t{r.port},
                      r.username, r.password, int64_t{r.tls_required}, int64_t{r.enabled})
            .run();
        r.id = db.query_int("SELECT last_insert_rowid()");
    } else {
        db.prepare(
              "UPDATE relay_rules SET type = ?, pattern = ?, host = ?, port = ?, username = ?, "
              "password = ?, tls_required = ?, enabled = ? WHERE id = ?")
            .bind_all(store::relay_type_name(r.type), r.pattern, r.host, int64_t{r.port},
                      r.username, r.password, int64_t{r.tls_required}, int64_t{r.enabled}, r.id)
            .run();
    }
    // NethServer's rule: creating or editing a rule updates the credentials and TLS setting
    // of the other rules of the same type with the same host:port.
    db.prepare(
          "UPDATE relay_rules SET username = ?, password = ?, tls_required = ? "
          "WHERE type = ? AND host = ? AND port = ? AND id != ?")
        .bind_all(r.username, r.password, int64_t{r.tls_required}, store::relay_type_name(r.type),
                  r.host, int64_t{r.port}, r.id)
        .run();
}

}  // namespace

Result<std::vector<RelayRuleInfo>> Service::relay_list() {
    return impl_->read<std::vector<RelayRuleInfo>>([&]() -> Result<std::vector<RelayRuleInfo>> {
        std::vector<RelayRuleInfo> out;
        for (auto st = impl_->db.prepare(std::string(kSelect) + " ORDER BY id"); st.step();)
            out.push_back(info(read_rule(st)));
        return out;
    });
}

Result<RelayRuleInfo> Service::relay_get(int64_t id) {
    return impl_->read<RelayRuleInfo>([&]() -> Result<RelayRuleInfo> {
        auto r = load_rule(impl_->db, id);
        if (!r) return not_found(id);
        return info(*r);
    });
}

Result<int64_t> Service::relay_add(const RelayRuleOptions& opts) {
    int64_t id = 0;
    auto st = impl_->write([&]() -> Status {
        if (!opts.type)
            return Status::error(Errc::Invalid,
                                 "a relay rule needs a type (recipient, sender "
                                 "or default)");
        store::RelayRule r;
        auto applied = apply(r, opts);
        if (!applied.ok()) return applied;
        auto unique = check_unique(impl_->db, r);
        if (!unique.ok()) return unique;
        save(impl_->db, r);
        id = r.id;
        return {};
    });
    if (!st.ok()) return st;
    return id;
}

Status Service::relay_edit(int64_t id, const RelayRuleOptions& opts) {
    return impl_->write([&]() -> Status {
        auto r = load_rule(impl_->db, id);
        if (!r) return not_found(id);
        auto applied = apply(*r, opts);
        if (!applied.ok()) return applied;
        auto unique = check_unique(impl_->db, *r);
        if (!unique.ok()) return unique;
        save(impl_->db, *r);
        return {};
    });
}

Status Service::relay_set_enabled(int64_t id, bool on) {
    return impl_->write([&]() -> Status {
        if (!load_rule(impl_->db, id)) return not_found(id);
        impl_->db.prepare("UPDATE relay_rules SET enabled = ? WHERE id = ?")
            .bind_all(int64_t{on}, id)
            .run();
        return {};
    });
}

Status Service::relay_remove(int64_t id) {
    return impl_->write([&]() -> Status {
        if (!load_rule(impl_->db, id)) return not_found(id);
        impl_->db.prepare("DELETE FROM relay_rules WHERE id = ?").bind(1, id).run();
        return {};
    });
}

}  // namespace magpie::admin
