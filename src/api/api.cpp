// The request pipeline of the admin HTTP API: target, route, size, login, role, body,
// handler, audit.
#include "api/api.h"

#include <boost/json.hpp>
#include <cmath>

#include "admin/service.h"
#include "api/target.h"

namespace magpie::api {
namespace json = boost::json;

namespace {

// Whether every number in `v` is finite (the parser turns 1e400 into infinity, which has no
// JSON form: echoing it back in a 422 would make the answer invalid JSON).
bool all_finite(const json::value& v) {
    if (auto* d = v.if_double()) return std::isfinite(*d);
    if (auto* a = v.if_array()) {
        for (auto& e : *a)
            if (!all_finite(e)) return false;
    }
    if (auto* o = v.if_object()) {
        for (auto& [k, e] : *o)
            if (!all_finite(e)) return false;
    }
    return true;
}

// The body as audited: every field whose name holds "password" masked.
void mask_secrets(json::value& v) {
    if (auto* o = v.if_object()) {
        for (auto& [k, val] : *o) {
            if (std::string_view(k).find("password") != std::string_view::npos && !val.is_null())
                val = "***";
            else
                mask_secrets(val);
        }
    } else if (auto* a = v.if_array()) {
        for (auto& x : *a) mask_secrets(x);
    }
}

std::string bearer(const std::string& header) {
    // RFC 6750 §2.1: "Bearer" is case-insensitive, then one space, then the token.
    if (header.size() < 8) return {};
    for (size_t i = 0; i < 6; ++i)
        if (std::tolower(static_cast<unsigned char>(header[i])) != "bearer"[i]) return {};
    if (header[6] != ' ') return {};
    auto token = header.substr(7);
    while (!token.empty() && token.back() == ' ') token.pop_back();
    return token;
}

bool changes_state(const std::string& method) {
    return method != "GET" && method != "HEAD";
}

}  // namespace

Api::Api(admin::Service& svc) : svc_(svc) {
    add_auth_routes(router_);
    add_directory_routes(router_);
    add_settings_routes(router_);
    add_mail_routes(router_);
    add_openapi_route(router_);
}

Response Api::handle(const Request& req, const Limits& limits, int64_t now) {
    auto target = parse_target(req.target);
    if (!target) return error_reply(400, "bad_target", "the request target is malformed");
    auto& segs = target->segments;
    if (segs.size() < 2 || segs[0] != "api" || segs[1] != "v1")
        return error_reply(404, "not_found", "no such resource");
    auto m = router_.find(req.method, segs);
    if (!m.path_found) return error_reply(404, "not_found", "no such resource");
    if (!m.route) {
        std::string allow;
        for (auto& a : m.allowed) allow += (allow.empty() ? "" : ", ") + a;
        auto r = error_reply(405, "method_not_allowed", "allowed: " + allow);
        r.headers.emplace_back("Allow", allow);
        return r;
    }
    const Route& route = *m.route;
    Principal who;
    json::value body = json::object();
    Response res = run(req, route, m.params, target->query, limits, now, who, body);

    if (changes_state(req.method)) {
        mask_secrets(body);
        admin::AuditEntry e;
        e.time = now;
        e.actor = who.name;
        e.role = who.role;
        e.ip = req.peer;
        e.method = req.method;
        e.path = req.target.substr(0, req.target.find('?'));
        e.status = res.status;
        e.detail = body.as_object().empty() ? "" : json::serialize(body);
        svc_.audit_add(e);  // a failed audit write does not undo the change
    }
    return res;
}

Response Api::run(const Request& req, const Route& route,
                  std::map<std::string, std::string>& params,
                  std::map<std::string, std::string>& query, const Limits& limits, int64_t now,
                  Principal& who, json::value& body) {
    if (static_cast<int64_t>(req.body.size()) > limits.max_body)
        return error_reply(413, "too_large",
                           "the body is larger than " + std::to_string(limits.max_body) + " bytes");

    if (route.access != Access::Public) {
        auto token = bearer(req.authorization);
        auto s =
            token.empty()
                ? admin::Result<admin::ApiSession>(admin::Status::error(admin::Errc::NotFound, ""))
                : svc_.session_find(token, now);
        if (!s.ok()) {
            if (s.code == admin::Errc::Internal) return status_reply(s);
            auto r = error_reply(401, "unauthorized",
                                 token.empty() ? "log in first (Authorization: Bearer TOKEN)"
                                               : "the session is unknown, expired or ended");
            r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"magpie\"");
            return r;
        }
        who = Principal{s.value.subject, s.value.kind, s.value.role, token, s.value.expires};
    }

    if (route.has_body && !req.body.empty()) {
        boost::system::error_code ec;
        auto parsed = json::parse(req.body, ec);
        if (ec) return error_reply(400, "malformed_json", "the body is not JSON: " + ec.message());
        if (!all_finite(parsed))  // 1e400: RFC 8259 §6 leaves it to us; it has no JSON form
            return error_reply(400, "malformed_json", "the body has a number out of range");
        if (!parsed.is_object())
            return error_reply(400, "body_not_object", "the body must be a JSON object");
        body = std::move(parsed);
    }

    if (!allowed(route.access, who))
        return error_reply(403, "forbidden", "your role may not do this");
    Response res;
    Call call{req,
              std::move(params),
              std::move(query),
              body.as_object(),
              who,
              svc_,
              throttle_,
              limits,
              now,
              usage};
    try {
        res = route.handler(call);
    } catch (const std::exception& e) {
        res = error_reply(500, "internal", e.what());
    }
    // The login handler names who tried; keep that for the audit line.
    if (who.kind.empty() && body.as_object().contains("name") &&
        body.as_object().at("name").is_string())
        who.name = std::string(body.as_object().at("name").as_string());
    return res;
}

}  // namespace magpie::api
