// JSON forms of relay rules and queue items for `relay list --json`, `queue list --json`
// and the HTTP API. Passwords never appear, only whether one is set.
#include <boost/json.hpp>

#include "admin/json.h"
#include "queue/queue_admin.h"

namespace magpie::admin {
namespace json = boost::json;

json::value to_json(const RelayRuleInfo& r) {
    return json::object{{"id", r.id},
                        {"type", store::relay_type_name(r.type)},
                        {"pattern", r.pattern},
                        {"host", r.host},
                        {"port", r.port},
                        {"username", r.username},
                        {"has_password", r.has_password},
                        {"tls_required", r.tls_required},
                        {"enabled", r.enabled}};
}

json::value to_json(const QueueItemInfo& q) {
    json::array rcpts;
    for (auto& r : q.recipients) rcpts.emplace_back(r);
    return json::object{
        {"id", q.id},
        {"arrival", queue::format_time_iso(q.arrival)},
        {"size", q.size},
        {"sender", q.sender},
        {"recipients", std::move(rcpts)},
        {"reason", q.reason},
        {"attempts", q.attempts},
        {"next_attempt", q.next_attempt ? json::value(queue::format_time_iso(q.next_attempt))
                                        : json::value(nullptr)},
        {"overdue", q.overdue}};
}

}  // namespace magpie::admin
