// Routes: the settings registry (store/settings.cpp) — list, show, set, reset. The value
// may be sent as a JSON string, integer, number or boolean; the service layer checks it
// against the setting's type and range, exactly as `magpie settings set` does.
#include <boost/json.hpp>

#include "admin/json.h"
#include "admin/service.h"
#include "api/api.h"

namespace magpie::api {
namespace json = boost::json;

namespace {

Response settings_list(Call& c) {
    std::vector<FieldError> errs;
    auto page = read_page(c.query, errs);
    if (!errs.empty()) return validation_reply(errs);
    auto r = c.svc.list_settings();
    if (!r.ok()) return status_reply(r);
    return page_reply(admin::to_json(r.value).as_array(), page);
}

Response setting_get(Call& c) {
    auto r = c.svc.get_setting(c.params["key"]);
    if (!r.ok()) return status_reply(r);
    return json_reply(200, admin::to_json(r.value));
}

Response setting_set(Call& c) {
    Fields f(c.body);
    auto* v = f.raw("value", true);
    std::string text;
    if (v) {
        if (v->is_string())
            text = std::string(v->as_string());
        else if (v->is_bool())
            text = v->as_bool() ? "true" : "false";
        else if (v->is_int64() || v->is_uint64() || v->is_double())
            text = json::serialize(*v);
        else
            f.add("value", *v, "wrong_type", "must be a string, a number or a boolean");
        if (text.size() > 65536) f.add("value", *v, "too_long", "must be at most 65536 characters");
    }
    if (!f.finish()) return validation_reply(f.errors());
    auto st = c.svc.set_setting(c.params["key"], text);
    if (!st.ok()) return status_reply(st);
    return setting_get(c);
}

Response setting_reset(Call& c) {
    auto st = c.svc.reset_setting(c.params["key"]);
    if (!st.ok()) return status_reply(st);
    return setting_get(c);
}

}  // namespace

void add_settings_routes(Router& r) {
    r.add({"GET", "/api/v1/settings", Access::Read, settings_list});
    r.add({"GET", "/api/v1/settings/{key}", Access::Read, setting_get});
    r.add({"PUT", "/api/v1/settings/{key}", Access::Admin, setting_set, true});
    r.add({"DELETE", "/api/v1/settings/{key}", Access::Admin, setting_reset});
}

}  // namespace magpie::api
