// Routes: login/logout, the caller's own session, mail users' self-service, admin accounts
// and the audit trail.
#include <boost/json.hpp>

#include "admin/json.h"
#include "admin/service.h"
#include "api/api.h"

namespace magpie::api {
namespace json = boost::json;

namespace {

const std::vector<std::string> kRoles = {"admin", "mailadm", "readonly"};

Response login(Call& c) {
    Fields f(c.body);
    auto name = f.string("name", true, 64);
    auto password = f.string("password", true, 1024);
    auto kind = f.choice("kind", false, {"admin", "user"});
    if (!f.finish()) return validation_reply(f.errors());
    std::string k = kind.value_or("admin");
    std::string account = k + ":" + *name;
    if (auto wait = c.throttle.wait(c.req.peer, account, c.now, c.limits.login_max_failures)) {
        auto r = error_reply(429, "throttled",
                             "too many failed logins; try again in " + std::to_string(wait) + " s");
        r.headers.emplace_back("Retry-After", std::to_string(wait));
        return r;
    }
    admin::ApiSession s;
    if (k == "admin") {
        auto a = c.svc.check_admin_login(*name, *password);
        if (a.ok()) s = admin::ApiSession{a.value.name, "admin", a.value.role, 0};
    } else {
        auto u = c.svc.check_user_login(*name, *password);
        if (u.ok()) s = admin::ApiSession{u.value, "user", "user", 0};
    }
    if (s.subject.empty()) {
        c.throttle.failure(c.req.peer, account, c.now);
        return error_reply(401, "bad_credentials", "wrong name or password");
    }
    c.throttle.success(account);
    s.expires = c.now + c.limits.session_lifetime;
    auto token = c.svc.session_open(s, c.req.peer, c.now);
    if (!token.ok()) return status_reply(token);
    return json_reply(200, json::object{{"token", token.value},
                                        {"name", s.subject},
                                        {"kind", s.kind},
                                        {"role", s.role},
                                        {"expires", s.expires}});
}

Response logout(Call& c) {
    auto st = c.svc.session_close(c.who.token);
    if (!st.ok()) return status_reply(st);
    return no_content();
}

Response me(Call& c) {
    return json_reply(200, json::object{{"name", c.who.name},
                                        {"kind", c.who.kind},
                                        {"role", c.who.role},
                                        {"expires", c.who.expires}});
}

Response self_show(Call& c) {
    auto u = c.svc.get_user(c.who.name);
    if (!u.ok()) return status_reply(u);
    json::object quota;
    std::optional<int64_t> limit = u.value.quota;
    if (!limit) {
        auto d = c.svc.get_setting("quota_default");
        if (d.ok()) limit = std::stoll(d.value.value);
    }
    int64_t lim = limit.value_or(0);
    quota["limit"] = lim;  // bytes, 0 = unlimited
    quota["custom"] = u.value.quota.has_value();
    if (auto used = c.usage ? c.usage(c.who.name) : std::nullopt) {
        quota["used"] = *used;
        quota["percent"] = lim > 0 ? (*used * 100) / lim : 0;
    } else {
        quota["used"] = nullptr;
        quota["percent"] = nullptr;
    }
    return json_reply(200,
                      json::object{{"name", u.value.name},
                                   {"forwards", admin::to_json(u.value).as_object().at("forwards")},
                                   {"keep_copy", u.value.keep_copy},
                                   {"quota", std::move(quota)}});
}

Response self_password(Call& c) {
    Fields f(c.body);
    auto current = f.string("current_password", true, 1024);
    auto password = f.string("password", true, 1024);
    if (password && password->empty()) f.add("password", "", "empty", "must not be empty");
    if (!f.finish()) return validation_reply(f.errors());
    if (!c.svc.check_user_login(c.who.name, *current).ok())
        return error_reply(403, "bad_credentials", "the current password is wrong");
    auto st = c.svc.set_password(c.who.name, *password);
    if (!st.ok()) return status_reply(st);
    return no_content();
}

Response admins_list(Call& c) {
    std::vector<FieldError> errs;
    auto page = read_page(c.query, errs);
    if (!errs.empty()) return validation_reply(errs);
    auto r = c.svc.list_admins();
    if (!r.ok()) return status_reply(r);
    return page_reply(admin::to_json(r.value).as_array(), page);
}

Response admin_get(Call& c) {
    auto r = c.svc.get_admin(c.params["name"]);
    if (!r.ok()) return status_reply(r);
    return json_reply(200, admin::to_json(r.value));
}

Response admin_add(Call& c) {
    Fields f(c.body);
    auto name = f.string("name", true, 64);
    auto password = f.string("password", true, 1024);
    auto role = f.choice("role", true, kRoles);
    if (password && password->empty()) f.add("password", "", "empty", "must not be empty");
    if (!f.finish()) return validation_reply(f.errors());
    auto st = c.svc.add_admin(*name, *password, *role);
    if (!st.ok()) return status_reply(st);
    auto r = c.svc.get_admin(*name);
    if (!r.ok()) return status_reply(r);
    return json_reply(201, admin::to_json(r.value));
}

Response admin_edit(Call& c) {
    Fields f(c.body);
    auto password = f.string("password", false, 1024);
    auto role = f.choice("role", false, kRoles);
    if (password && password->empty()) f.add("password", "", "empty", "must not be empty");
    if (!f.finish()) return validation_reply(f.errors());
    auto& name = c.params["name"];
    if (!c.svc.get_admin(name).ok()) return status_reply(c.svc.get_admin(name));
    if (role) {
        auto st = c.svc.set_admin_role(name, *role);
        if (!st.ok()) return status_reply(st);
    }
    if (password) {
        auto st = c.svc.set_admin_password(name, *password);
        if (!st.ok()) return status_reply(st);
    }
    return admin_get(c);
}

Response admin_remove(Call& c) {
    auto st = c.svc.remove_admin(c.params["name"]);
    if (!st.ok()) return status_reply(st);
    return no_content();
}

Response audit_list(Call& c) {
    std::vector<FieldError> errs;
    auto page = read_page(c.query, errs);
    if (!errs.empty()) return validation_reply(errs);
    std::string actor = c.query.count("actor") ? c.query["actor"] : "";
    auto r = c.svc.audit_list(page.offset, page.limit, actor);
    if (!r.ok()) return status_reply(r);
    return json_reply(200, json::object{{"items", admin::to_json(r.value.items)},
                                        {"total", r.value.total},
                                        {"offset", page.offset},
                                        {"limit", page.limit}});
}

}  // namespace

void add_auth_routes(Router& r) {
    r.add({"POST", "/api/v1/login", Access::Public, login, true});
    r.add({"POST", "/api/v1/logout", Access::Any, logout, false});
    r.add({"GET", "/api/v1/me", Access::Any, me, false});
    r.add({"GET", "/api/v1/self", Access::Self, self_show, false});
    r.add({"PUT", "/api/v1/self/password", Access::Self, self_password, true});
    r.add({"GET", "/api/v1/admins", Access::Read, admins_list, false});
    r.add({"POST", "/api/v1/admins", Access::Admin, admin_add, true});
    r.add({"GET", "/api/v1/admins/{name}", Access::Read, admin_get, false});
    r.add({"PATCH", "/api/v1/admins/{name}", Access::Admin, admin_edit, true});
    r.add({"DELETE", "/api/v1/admins/{name}", Access::Admin, admin_remove, false});
    r.add({"GET", "/api/v1/audit", Access::Read, audit_list, false});
}

}  // namespace magpie::api
