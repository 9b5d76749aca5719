// The OpenAPI document (api/openapi.cpp) against the router: every route is described with
// its method, and every path and method described is a route.
#include "api/api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "admin/service.h"
#include "temp_dir.h"

namespace magpie::api {
namespace {
namespace json = boost::json;

TEST(ApiOpenApi, DocumentMatchesTheRouter) {
    test_util::TempDir dir;
    admin::Service svc(dir.path + "/magpie.db");
    Api api(svc);
    auto doc = json::parse(openapi_document()).as_object();
    EXPECT_EQ(std::string(doc.at("openapi").as_string()).substr(0, 2), "3.");
    std::set<std::pair<std::string, std::string>> routes, documented;
    for (auto& r : api.router().routes()) {
        std::string m = r.method;
        for (auto& ch : m) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        routes.emplace(r.pattern, m);
    }
    for (auto& [path, ops] : doc.at("paths").as_object())
        for (auto& [method, op] : ops.as_object()) {
            documented.emplace(std::string(path), std::string(method));
            // Path parameters are declared.
            std::string p(path);
            for (size_t open = p.find('{'); open != std::string::npos;
                 open = p.find('{', open + 1)) {
                auto name = p.substr(open + 1, p.find('}', open) - open - 1);
                bool found = false;
                if (auto* params = op.as_object().if_contains("parameters"))
                    for (auto& prm : params->as_array())
                        found = found || (prm.as_object().contains("name") &&
                                          prm.at("name") == json::value(name));
                EXPECT_TRUE(found) << path << " " << method << " lacks parameter " << name;
            }
        }
    for (auto& r : routes)
        EXPECT_TRUE(documented.count(r)) << "undocumented: " << r.second << " " << r.first;
    for (auto& d : documented)
        EXPECT_TRUE(routes.count(d)) << "no such route: " << d.second << " " << d.first;
    // Every $ref names a component that exists.
    auto text = std::string(openapi_document());
    for (size_t at = text.find("\"$ref\": \"#/components/"); at != std::string::npos;
         at = text.find("\"$ref\": \"#/components/", at + 1)) {
        auto start = at + 22;
        auto ref = text.substr(start, text.find('"', start) - start);
        auto slash = ref.find('/');
        EXPECT_TRUE(doc.at("components")
                        .at(ref.substr(0, slash))
                        .as_object()
                        .contains(ref.substr(slash + 1)))
            << ref;
    }
}

}  // namespace
}  // namespace magpie::api
