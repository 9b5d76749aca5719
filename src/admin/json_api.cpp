// JSON forms of admin accounts, audit lines and DKIM keys (shared by the CLI and the API).
#include <boost/json.hpp>

#include "admin/json.h"

namespace magpie::admin {
namespace json = boost::json;

json::value to_json(const AdminInfo& a) {
    return json::object{{"name", a.name}, {"role", a.role}, {"created", a.created}};
}

json::value to_json(const AuditEntry& e) {
    return json::object{{"id", e.id},     {"time", e.time},     {"actor", e.actor},
                        {"role", e.role}, {"ip", e.ip},         {"method", e.method},
                        {"path", e.path}, {"status", e.status}, {"detail", e.detail}};
}

json::value to_json(const DkimInfo& i) {
    return json::object{{"domain", i.domain},       {"selector", i.selector},
                        {"algorithm", i.algorithm}, {"enabled", i.enabled},
                        {"dns_name", i.dns_name},   {"txt_record", i.txt_record},
                        {"zone_line", i.zone_line}, {"key_path", i.key_path}};
}

}  // namespace magpie::admin
