// JSON forms of the HTTP API's own objects: admin accounts and audit lines.
#include <boost/json.hpp>

#include "admin/json.h"

namespace magpie::admin {
namespace json = boost::json;

json::value to_json(const AdminInfo& a) {
    return json::object{{"name", a.name}, {"role", a.role}, {"created", a.created}};
}

json::value to_json(const AuditEntry& e) {
    return json::object{{"id", e.id},         {"time", e.time},     {"actor", e.actor},
                        {"role", e.role},     {"ip", e.ip},         {"method", e.method},
                        {"path", e.path},     {"status", e.status}, {"detail", e.detail}};
}

}  // namespace magpie::admin
