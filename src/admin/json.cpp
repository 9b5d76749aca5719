// JSON conversion of directory objects and settings for the CLI and the HTTP API.
#include "admin/json.h"

#include <boost/json.hpp>

namespace magpie::admin {
namespace json = boost::json;

static json::array strings(const std::vector<std::string>& v) {
    json::array a;
    for (auto& s : v) a.emplace_back(s);
    return a;
}

json::value to_json(const store::Domain& d) {
    return json::object{{"name", d.name},
                        {"user_addresses", d.user_addresses},
                        {"group_addresses", d.group_addresses},
                        {"catch_all", strings(d.catch_all)},
                        {"hidden_copy", d.hidden_copy},
                        {"relay_host", d.relay_host}};
}

json::value to_json(const UserInfo& u) {
    json::object o{{"name", u.name},
                   {"disabled", u.disabled},
                   {"has_password", u.has_password},
                   {"forwards", strings(u.forwards)},
                   {"keep_copy", u.keep_copy}};
    // null: quota_default applies; 0: unlimited.
    if (u.quota) {
        o["quota"] = *u.quota;
    } else {
        o["quota"] = nullptr;
    }
    // null: spam_retention_days applies; 0: kept forever.
    if (u.spam_retention_days) {
        o["spam_retention_days"] = *u.spam_retention_days;
    } else {
        o["spam_retention_days"] = nullptr;
    }
    return o;
}

json::value to_json(const store::Group& g) {
    return json::object{{"name", g.name}, {"members", strings(g.members)}};
}

json::value to_json(const store::PublicMailbox& p) {
    return json::object{{"name", p.name}};
}

json::value to_json(const store::Address& a) {
    return json::object{{"address", a.address},
                        {"destinations", strings(a.destinations)},
                        {"internal", a.internal}};
}

const char* setting_type_name(store::SettingType t) {
    switch (t) {
        case store::SettingType::Int:
            return "int";
        case store::SettingType::Bool:
            return "bool";
        case store::SettingType::String:
            return "string";
        case store::SettingType::Networks:
            return "networks";
        case store::SettingType::Address:
            return "address";
        case store::SettingType::Size:
            return "size";
        case store::SettingType::Number:
            return "number";
    }
    return "string";
}

json::value to_json(const SettingInfo& s) {
    return json::object{{"key", s.key},
                        {"value", s.value},
                        {"default", s.default_value},
                        {"is_default", s.is_default},
                        {"type", setting_type_name(s.type)},
                        {"help", s.help}};
}

const char* errc_name(Errc c) {
    switch (c) {
        case Errc::None:
            return "ok";
        case Errc::Invalid:
            return "invalid";
        case Errc::NotFound:
            return "not_found";
        case Errc::Exists:
            return "exists";
        case Errc::Internal:
            return "internal";
    }
    return "internal";
}

json::value to_json(const Status& s) {
    return json::object{{"error", s.message}, {"code", errc_name(s.code)}};
}

}  // namespace magpie::admin
