// JSON responses and pagination.
#include "api/reply.h"

#include <boost/json.hpp>
#include <charconv>

#include "admin/json.h"

namespace magpie::api {
namespace json = boost::json;

Response json_reply(int status, const json::value& v) {
    Response r;
    r.status = status;
    r.body = json::serialize(v);
    return r;
}

Response no_content() {
    Response r;
    r.status = 204;
    return r;
}

Response error_reply(int status, std::string_view code, std::string message) {
    return json_reply(status, json::object{{"error", message}, {"code", code}});
}

Response validation_reply(const std::vector<FieldError>& errors) {
    json::array fields;
    for (auto& e : errors)
        fields.push_back(json::object{
            {"field", e.field}, {"value", e.value}, {"error", e.error}, {"message", e.message}});
    return json_reply(422, json::object{{"error", "validation failed"},
                                        {"code", "validation"},
                                        {"fields", std::move(fields)}});
}

int http_status(admin::Errc c) {
    switch (c) {
        case admin::Errc::None:
            return 200;
        case admin::Errc::Invalid:
            return 400;
        case admin::Errc::NotFound:
            return 404;
        case admin::Errc::Exists:
            return 409;
        case admin::Errc::Internal:
            return 500;
    }
    return 500;
}

Response status_reply(const admin::Status& st) {
    return error_reply(http_status(st.code), admin::errc_name(st.code), st.message);
}

static std::optional<int64_t> number(const std::string& s) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return n;
}

Page read_page(const std::map<std::string, std::string>& query, std::vector<FieldError>& errors) {
    Page p;
    if (auto it = query.find("offset"); it != query.end()) {
        auto n = number(it->second);
        if (!n || *n < 0)
            errors.push_back({"offset", json::value(it->second), "out_of_range",
                              "must be an integer of 0 or more"});
        else
            p.offset = *n;
    }
    if (auto it = query.find("limit"); it != query.end()) {
        auto n = number(it->second);
        if (!n || *n < 1 || *n > kMaxPageLimit)
            errors.push_back({"limit", json::value(it->second), "out_of_range",
                              "must be an integer of 1 to " + std::to_string(kMaxPageLimit)});
        else
            p.limit = *n;
    }
    return p;
}

Response page_reply(const json::array& all, const Page& page) {
    json::array items;
    auto total = static_cast<int64_t>(all.size());
    for (int64_t i = page.offset; i < total && i < page.offset + page.limit; ++i)
        items.push_back(all[static_cast<size_t>(i)]);
    return json_reply(200, json::object{{"items", std::move(items)},
                                        {"total", total},
                                        {"offset", page.offset},
                                        {"limit", page.limit}});
}

}  // namespace magpie::api
