// Routes: domains, users, groups, public mailboxes and addresses, each a thin translation of
// JSON to the service layer's calls (the same the CLI makes).
#include <boost/json.hpp>

#include "admin/json.h"
#include "admin/service.h"
#include "api/api.h"
#include "core/strings.h"
#include "store/retention.h"

namespace magpie::api {
namespace json = boost::json;

namespace {

constexpr size_t kNameLen = 64;      // user, group, public mailbox names (store::valid_name)
constexpr size_t kAddressLen = 254;  // RFC 5321 §4.5.3.1.3 path limit, less the brackets

template <typename T>
Response list(Call& c, const admin::Result<std::vector<T>>& r) {
    std::vector<FieldError> errs;
    auto page = read_page(c.query, errs);
    if (!errs.empty()) return validation_reply(errs);
    if (!r.ok()) return status_reply(r);
    return page_reply(admin::to_json(r.value).as_array(), page);
}

template <typename T>
Response one(int status, const admin::Result<T>& r) {
    if (!r.ok()) return status_reply(r);
    return json_reply(status, admin::to_json(r.value));
}

// --- domains ---------------------------------------------------------------------------

admin::DomainOptions domain_options(Fields& f) {
    admin::DomainOptions o;
    o.user_addresses = f.boolean("user_addresses", false);
    o.group_addresses = f.boolean("group_addresses", false);
    o.catch_all = f.strings("catch_all", false, 100, kAddressLen);
    o.hidden_copy = f.string("hidden_copy", false, kAddressLen);
    o.relay_host = f.string("relay_host", false, 255 + 6);
    return o;
}

Response domain_add(Call& c) {
    Fields f(c.body);
    auto name = f.string("name", true, 253);
    auto o = domain_options(f);
    if (!f.finish()) return validation_reply(f.errors());
    auto st = c.svc.add_domain(*name, o);
    if (!st.ok()) return status_reply(st);
    return one(201, c.svc.get_domain(*name));
}

Response domain_edit(Call& c) {
    Fields f(c.body);
    auto o = domain_options(f);
    if (!f.finish()) return validation_reply(f.errors());
    auto st = c.svc.set_domain(c.params["name"], o);
    if (!st.ok()) return status_reply(st);
    return one(200, c.svc.get_domain(c.params["name"]));
}

// --- users -----------------------------------------------------------------------------

admin::UserOptions user_options(Fields& f) {
    admin::UserOptions o;
    o.disabled = f.boolean("disabled", false);
    o.forwards = f.strings("forwards", false, 100, kAddressLen);
    o.keep_copy = f.boolean("keep_copy", false);
    o.quota = f.nullable_integer("quota", 0, INT64_MAX);  // bytes; 0 unlimited; null default
    o.spam_retention_days = f.nullable_integer("spam_retention_days", 0, store::kMaxRetentionDays);
    return o;
}

Response user_add(Call& c) {
    Fields f(c.body);
    auto name = f.string("name", true, kNameLen);
    auto password = f.string("password", false, 1024);
    if (password && password->empty()) f.add("password", "", "empty", "must not be empty");
    auto o = user_options(f);
    if (!f.finish()) return validation_reply(f.errors());
    std::optional<std::string_view> pw;
    if (password) pw = *password;
    auto st = c.svc.add_user(*name, pw, o);
    if (!st.ok()) return status_reply(st);
    return one(201, c.svc.get_user(*name));
}

Response user_edit(Call& c) {
    Fields f(c.body);
    auto o = user_options(f);
    if (!f.finish()) return validation_reply(f.errors());
    auto st = c.svc.set_user(c.params["name"], o);
    if (!st.ok()) return status_reply(st);
    return one(200, c.svc.get_user(c.params["name"]));
}

Response user_password(Call& c) {
    Fields f(c.body);
    auto* v = f.raw("password", true);
    std::optional<std::string> pw;
    if (v && !v->is_null()) pw = f.string("password", true, 1024);  // null: no login
    if (v && pw && pw->empty())
        f.add("password", "", "empty", "must not be empty (null: no login)");
    if (!f.finish()) return validation_reply(f.errors());
    std::optional<std::string_view> pv;
    if (pw) pv = *pw;
    auto st = c.svc.set_password(c.params["name"], pv);
    if (!st.ok()) return status_reply(st);
    return no_content();
}

// --- groups and public mailboxes -------------------------------------------------------

Response group_add(Call& c) {
    Fields f(c.body);
    auto name = f.string("name", true, kNameLen);
    auto members = f.strings("members", false, 10000, kNameLen);
    if (!f.finish()) return validation_reply(f.errors());
    auto st = c.svc.add_group(*name, members.value_or(std::vector<std::string>{}));
    if (!st.ok()) return status_reply(st);
    return one(201, c.svc.get_group(*name));
}

Response group_edit(Call& c) {
    Fields f(c.body);
    auto members = f.strings("members", true, 10000, kNameLen);
    if (!f.finish()) return validation_reply(f.errors());
    auto st = c.svc.set_group_members(c.params["name"], *members);
    if (!st.ok()) return status_reply(st);
    return one(200, c.svc.get_group(c.params["name"]));
}

Response public_add(Call& c) {
    Fields f(c.body);
    auto name = f.string("name", true, kNameLen);
    if (!f.finish()) return validation_reply(f.errors());
    auto st = c.svc.add_public(*name);
    if (!st.ok()) return status_reply(st);
    auto all = c.svc.list_public();
    if (!all.ok()) return status_reply(all);
    for (auto& p : all.value)
        if (p.name == to_lower(trim(*name))) return json_reply(201, admin::to_json(p));
    return error_reply(500, "internal", "the public mailbox vanished");
}

// --- addresses -------------------------------------------------------------------------

Response address_add(Call& c) {
    Fields f(c.body);
    auto address = f.string("address", true, kAddressLen);
    auto dests = f.strings("destinations", true, 1000, kAddressLen);
    if (dests && dests->empty())
        f.add("destinations", json::array(), "empty", "must have at least one destination");
    auto internal = f.boolean("internal", false);
    if (!f.finish()) return validation_reply(f.errors());
    auto st = c.svc.add_address(*address, *dests, internal.value_or(false));
    if (!st.ok()) return status_reply(st);
    return one(201, c.svc.get_address(*address));
}

Response address_edit(Call& c) {
    Fields f(c.body);
    auto dests = f.strings("destinations", false, 1000, kAddressLen);
    if (dests && dests->empty())
        f.add("destinations", json::array(), "empty", "must have at least one destination");
    auto internal = f.boolean("internal", false);
    if (!f.finish()) return validation_reply(f.errors());
    auto st = c.svc.set_address(c.params["address"], dests, internal);
    if (!st.ok()) return status_reply(st);
    return one(200, c.svc.get_address(c.params["address"]));
}

}  // namespace

void add_directory_routes(Router& r) {
    const std::string v = "/api/v1";
    r.add({"GET", v + "/domains", Access::Read,
           [](Call& c) { return list(c, c.svc.list_domains()); }});
    r.add({"POST", v + "/domains", Access::Mail, domain_add, true});
    r.add({"GET", v + "/domains/{name}", Access::Read,
           [](Call& c) { return one(200, c.svc.get_domain(c.params["name"])); }});
    r.add({"PATCH", v + "/domains/{name}", Access::Mail, domain_edit, true});
    r.add({"DELETE", v + "/domains/{name}", Access::Mail, [](Call& c) {
               auto st = c.svc.remove_domain(c.params["name"]);
               return st.ok() ? no_content() : status_reply(st);
           }});

    r.add({"GET", v + "/users", Access::Read, [](Call& c) { return list(c, c.svc.list_users()); }});
    r.add({"POST", v + "/users", Access::Mail, user_add, true});
    r.add({"GET", v + "/users/{name}", Access::Read,
           [](Call& c) { return one(200, c.svc.get_user(c.params["name"])); }});
    r.add({"PATCH", v + "/users/{name}", Access::Mail, user_edit, true});
    r.add({"PUT", v + "/users/{name}/password", Access::Mail, user_password, true});
    r.add({"DELETE", v + "/users/{name}", Access::Mail, [](Call& c) {
               auto st = c.svc.remove_user(c.params["name"]);
               return st.ok() ? no_content() : status_reply(st);
           }});

    r.add(
        {"GET", v + "/groups", Access::Read, [](Call& c) { return list(c, c.svc.list_groups()); }});
    r.add({"POST", v + "/groups", Access::Mail, group_add, true});
    r.add({"GET", v + "/groups/{name}", Access::Read,
           [](Call& c) { return one(200, c.svc.get_group(c.params["name"])); }});
    r.add({"PATCH", v + "/groups/{name}", Access::Mail, group_edit, true});
    r.add({"DELETE", v + "/groups/{name}", Access::Mail, [](Call& c) {
               auto st = c.svc.remove_group(c.params["name"]);
               return st.ok() ? no_content() : status_reply(st);
           }});

    r.add({"GET", v + "/public-mailboxes", Access::Read,
           [](Call& c) { return list(c, c.svc.list_public()); }});
    r.add({"POST", v + "/public-mailboxes", Access::Mail, public_add, true});
    r.add({"DELETE", v + "/public-mailboxes/{name}", Access::Mail, [](Call& c) {
               auto st = c.svc.remove_public(c.params["name"]);
               return st.ok() ? no_content() : status_reply(st);
           }});

    r.add({"GET", v + "/addresses", Access::Read,
           [](Call& c) { return list(c, c.svc.list_addresses()); }});
    r.add({"POST", v + "/addresses", Access::Mail, address_add, true});
    r.add({"GET", v + "/addresses/{address}", Access::Read,
           [](Call& c) { return one(200, c.svc.get_address(c.params["address"])); }});
    r.add({"PATCH", v + "/addresses/{address}", Access::Mail, address_edit, true});
    r.add({"DELETE", v + "/addresses/{address}", Access::Mail, [](Call& c) {
               auto st = c.svc.remove_address(c.params["address"]);
               return st.ok() ? no_content() : status_reply(st);
           }});
}

}  // namespace magpie::api
