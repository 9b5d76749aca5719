// Routes: DKIM keys of a domain, relay rules, the outbound queue and the Bayes classifier —
// the same service calls as `magpie dkim`, `magpie relay`, `magpie queue` and `magpie spam`.
#include <boost/json.hpp>
#include <charconv>

#include "admin/json.h"
#include "admin/service.h"
#include "api/api.h"
#include "store/relay_rules.h"

namespace magpie::api {
namespace json = boost::json;

namespace {

Response done(const admin::Status& st) {
    return st.ok() ? no_content() : status_reply(st);
}

// --- DKIM ------------------------------------------------------------------------------

Response dkim_show(Call& c) {
    auto r = c.svc.dkim_show(c.params["name"]);
    if (!r.ok()) return status_reply(r);
    return json_reply(200, admin::to_json(r.value));
}

Response dkim_edit(Call& c) {
    Fields f(c.body);
    auto enabled = f.boolean("enabled", true);
    if (!f.finish()) return validation_reply(f.errors());
    auto st = c.svc.dkim_set_enabled(c.params["name"], *enabled);
    if (!st.ok()) return status_reply(st);
    return dkim_show(c);
}

Response dkim_rotate(Call& c) {
    Fields f(c.body);
    auto alg = f.choice("algorithm", false, {"rsa", "ed25519"});
    if (!f.finish()) return validation_reply(f.errors());
    std::optional<dkim::KeyType> type;
    if (alg) type = *alg == "rsa" ? dkim::KeyType::Rsa : dkim::KeyType::Ed25519;
    auto r = c.svc.dkim_rotate(c.params["name"], type);
    if (!r.ok()) return status_reply(r);
    return json_reply(200, admin::to_json(r.value));
}

// --- relay rules -----------------------------------------------------------------------

std::optional<int64_t> rule_id(Call& c) {
    auto& s = c.params["id"];
    int64_t id = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
    if (ec != std::errc() || end != s.data() + s.size() || id <= 0) return std::nullopt;
    return id;
}

admin::RelayRuleOptions rule_options(Fields& f, bool adding) {
    admin::RelayRuleOptions o;
    if (auto t = f.choice("type", adding, {"recipient", "sender", "default"}))
        o.type = store::parse_relay_type(*t);
    o.pattern = f.string("pattern", false, 254);
    o.host = f.string("host", adding, 255);
    if (auto p = f.integer("port", false, 1, 65535)) o.port = static_cast<int>(*p);
    o.username = f.string("username", false, 255);
    o.password = f.string("password", false, 1024);
    o.tls_required = f.boolean("tls_required", false);
    o.enabled = f.boolean("enabled", false);
    return o;
}

Response rule_get(Call& c) {
    auto id = rule_id(c);
    if (!id) return error_reply(404, "not_found", "no relay rule '" + c.params["id"] + "'");
    auto r = c.svc.relay_get(*id);
    if (!r.ok()) return status_reply(r);
    return json_reply(200, admin::to_json(r.value));
}

Response rule_add(Call& c) {
    Fields f(c.body);
    auto o = rule_options(f, true);
    if (!f.finish()) return validation_reply(f.errors());
    auto r = c.svc.relay_add(o);
    if (!r.ok()) return status_reply(r);
    auto got = c.svc.relay_get(r.value);
    if (!got.ok()) return status_reply(got);
    return json_reply(201, admin::to_json(got.value));
}

Response rule_edit(Call& c) {
    auto id = rule_id(c);
    if (!id) return error_reply(404, "not_found", "no relay rule '" + c.params["id"] + "'");
    Fields f(c.body);
    auto o = rule_options(f, false);
    if (!f.finish()) return validation_reply(f.errors());
    auto st = c.svc.relay_edit(*id, o);
    if (!st.ok()) return status_reply(st);
    return rule_get(c);
}

Response rule_remove(Call& c) {
    auto id = rule_id(c);
    if (!id) return error_reply(404, "not_found", "no relay rule '" + c.params["id"] + "'");
    return done(c.svc.relay_remove(*id));
}

// --- queue -----------------------------------------------------------------------------

bool contains_ci(const std::string& hay, const std::string& needle) {
    auto lower = [](std::string s) {
        for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        return s;
    };
    return lower(hay).find(lower(needle)) != std::string::npos;
}

Response queue_list(Call& c) {
    std::vector<FieldError> errs;
    auto page = read_page(c.query, errs);
    std::optional<bool> deferred;
    if (auto it = c.query.find("deferred"); it != c.query.end()) {
        if (it->second == "true")
            deferred = true;
        else if (it->second == "false")
            deferred = false;
        else
            errs.push_back(
                {"deferred", json::value(it->second), "invalid_choice", "must be true or false"});
    }
    if (!errs.empty()) return validation_reply(errs);
    auto r = c.svc.queue_list();
    if (!r.ok()) return status_reply(r);
    json::array items;
    for (auto& q : r.value) {
        if (auto it = c.query.find("sender");
            it != c.query.end() && !contains_ci(q.sender, it->second))
            continue;
        if (auto it = c.query.find("recipient"); it != c.query.end()) {
            bool any = false;
            for (auto& rc : q.recipients) any = any || contains_ci(rc, it->second);
            if (!any) continue;
        }
        if (deferred && (q.next_attempt != 0) != *deferred) continue;
        items.push_back(admin::to_json(q));
    }
    return page_reply(items, page);
}

Response queue_show(Call& c) {
    auto& id = c.params["id"];
    auto text = c.svc.queue_show(id);
    if (!text.ok()) return status_reply(text);
    auto all = c.svc.queue_list();
    if (!all.ok()) return status_reply(all);
    for (auto& q : all.value)
        if (q.id == id) {
            auto o = admin::to_json(q).as_object();
            o["text"] = text.value;
            return json_reply(200, o);
        }
    return error_reply(404, "not_found", "'" + id + "' is not queued");
}

Response queue_delete_all(Call& c) {
    auto r = c.svc.queue_delete_all();
    if (!r.ok()) return status_reply(r);
    return json_reply(200, json::object{{"deleted", r.value}});
}

// A selection: {"ids": [...]} (1-1000). Every ID is tried; the answer says which were done
// and which were not queued (any more).
template <typename Op>
Response queue_selection(Call& c, Op op) {
    Fields f(c.body);
    auto ids = f.strings("ids", true, 1000, 64);
    if (ids && ids->empty()) f.add("ids", json::array(), "empty", "must name at least one ID");
    if (!f.finish()) return validation_reply(f.errors());
    json::array done, missing;
    for (auto& id : *ids) {
        auto st = op(id);
        if (st.ok())
            done.emplace_back(id);
        else if (st.code == admin::Errc::Internal)
            return status_reply(st);
        else
            missing.emplace_back(id);
    }
    return json_reply(200,
                      json::object{{"done", std::move(done)}, {"missing", std::move(missing)}});
}

// --- Bayes -----------------------------------------------------------------------------

Response spam_learn(Call& c) {
    Fields f(c.body);
    auto message = f.string("message", true, SIZE_MAX);
    auto spam = f.boolean("spam", true);
    if (message && message->empty()) f.add("message", "", "empty", "must not be empty");
    if (!f.finish()) return validation_reply(f.errors());
    auto r = c.svc.spam_learn_message(*message, *spam);
    if (!r.ok()) return status_reply(r);
    return json_reply(200, admin::to_json(r.value));
}

}  // namespace

void add_mail_routes(Router& r) {
    const std::string v = "/api/v1";
    r.add({"GET", v + "/domains/{name}/dkim", Access::Read, dkim_show});
    r.add({"PATCH", v + "/domains/{name}/dkim", Access::Mail, dkim_edit, true});
    r.add({"POST", v + "/domains/{name}/dkim/rotate", Access::Mail, dkim_rotate, true});

    r.add({"GET", v + "/relay-rules", Access::Read, [](Call& c) {
               std::vector<FieldError> errs;
               auto page = read_page(c.query, errs);
               if (!errs.empty()) return validation_reply(errs);
               auto rules = c.svc.relay_list();
               if (!rules.ok()) return status_reply(rules);
               return page_reply(admin::to_json(rules.value).as_array(), page);
           }});
    r.add({"POST", v + "/relay-rules", Access::Mail, rule_add, true});
    r.add({"GET", v + "/relay-rules/{id}", Access::Read, rule_get});
    r.add({"PATCH", v + "/relay-rules/{id}", Access::Mail, rule_edit, true});
    r.add({"DELETE", v + "/relay-rules/{id}", Access::Mail, rule_remove});

    r.add({"GET", v + "/queue", Access::Read, queue_list});
    r.add({"DELETE", v + "/queue", Access::Mail, queue_delete_all});
    r.add({"POST", v + "/queue/resend", Access::Mail,
           [](Call& c) { return done(c.svc.queue_resend("")); }});
    r.add({"POST", v + "/queue/delete", Access::Mail,
           [](Call& c) {
               return queue_selection(
                   c, [&](const std::string& id) { return c.svc.queue_delete(id); });
           },
           true});
    r.add({"POST", v + "/queue/resend-selected", Access::Mail,
           [](Call& c) {
               return queue_selection(
                   c, [&](const std::string& id) { return c.svc.queue_resend(id); });
           },
           true});
    r.add({"GET", v + "/queue/{id}", Access::Read, queue_show});
    r.add({"DELETE", v + "/queue/{id}", Access::Mail,
           [](Call& c) { return done(c.svc.queue_delete(c.params["id"])); }});
    r.add({"POST", v + "/queue/{id}/resend", Access::Mail,
           [](Call& c) { return done(c.svc.queue_resend(c.params["id"])); }});

    r.add({"GET", v + "/spam/status", Access::Read, [](Call& c) {
               auto r = c.svc.spam_progress();
               return r.ok() ? json_reply(200, admin::to_json(r.value)) : status_reply(r);
           }});
    r.add({"POST", v + "/spam/learn", Access::Mail, spam_learn, true});
    r.add({"POST", v + "/spam/expire", Access::Mail,
           [](Call& c) { return done(c.svc.spam_expire()); }});
}

}  // namespace magpie::api
