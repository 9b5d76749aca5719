// Building JSON responses: results, lists with pagination, and errors. Every error body is
// {"error": message, "code": key}; a 422 adds "fields": [{field, value, error, message}].
#pragma once
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/result.h"
#include "api/fields.h"
#include "api/http.h"

namespace magpie::api {

Response json_reply(int status, const boost::json::value& v);
Response no_content();  // 204
Response error_reply(int status, std::string_view code, std::string message);
Response validation_reply(const std::vector<FieldError>& errors);
// Errc -> 400 invalid, 404 not_found, 409 exists, 500 internal.
int http_status(admin::Errc c);
Response status_reply(const admin::Status& st);

// Pagination of lists: ?offset= (0...) and ?limit= (1-1000, default 100).
struct Page {
    int64_t offset = 0;
    int64_t limit = 100;
};
inline constexpr int64_t kMaxPageLimit = 1000;
// Adds 422 problems to `errors` for bad values.
Page read_page(const std::map<std::string, std::string>& query, std::vector<FieldError>& errors);
// {"items": [...], "total": N, "offset": o, "limit": l} of the page's slice of `all`.
Response page_reply(const boost::json::array& all, const Page& page);

}  // namespace magpie::api
