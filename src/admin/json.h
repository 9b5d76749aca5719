// JSON forms of the service layer's results, shared by `magpie ... list --json` and the
// HTTP API so both speak the same shapes.
#pragma once
#include <boost/json/value.hpp>
#include <vector>

#include "admin/result.h"
#include "admin/service.h"

namespace magpie::admin {

boost::json::value to_json(const store::Domain& d);
boost::json::value to_json(const UserInfo& u);
boost::json::value to_json(const store::Group& g);
boost::json::value to_json(const store::PublicMailbox& p);
boost::json::value to_json(const store::Address& a);
boost::json::value to_json(const SettingInfo& s);
boost::json::value to_json(const RelayRuleInfo& r);  // json_outbound.cpp
boost::json::value to_json(const QueueItemInfo& q);
boost::json::value to_json(const SpamLearnSummary& s);  // json_spam.cpp
boost::json::value to_json(const SpamProgress& p);
boost::json::value to_json(const AdminInfo& a);  // json_api.cpp
boost::json::value to_json(const AuditEntry& e);
boost::json::value to_json(const DkimInfo& i);
// {"error": "...", "code": "invalid" | "not_found" | "exists" | "internal"}
boost::json::value to_json(const Status& s);
const char* errc_name(Errc c);
const char* setting_type_name(store::SettingType t);

template <typename T>
boost::json::value to_json(const std::vector<T>& items) {
    boost::json::array out;
    for (auto& i : items) out.push_back(to_json(i));
    return out;
}

}  // namespace magpie::admin
