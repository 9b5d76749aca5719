// The admin HTTP API core without sockets: targets, field validation, throttling, the
// request pipeline (routes, 401/403/404/405/413/400/422, pagination, audit) over a real
// service layer in a temporary folder.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "admin/service.h"
#include "api/api.h"
#include "api/fields.h"
#include "api/target.h"
#include "api/throttle.h"
#include "temp_dir.h"

namespace magpie::api {
namespace {
namespace json = boost::json;

TEST(ApiTarget, SegmentsAndQuery) {
    auto t = parse_target("/api/v1/addresses/info%40example.com?limit=5&actor=a+b&x=%41");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->segments,
              (std::vector<std::string>{"api", "v1", "addresses", "info@example.com"}));
    EXPECT_EQ(t->query.at("limit"), "5");
    EXPECT_EQ(t->query.at("actor"), "a b");
    EXPECT_EQ(t->query.at("x"), "A");
    EXPECT_EQ(parse_target("/api/v1/users/")->segments.size(), 3u);
}

TEST(ApiTarget, PathTricksRefused) {
    for (auto bad : {"", "api/v1", "/api/../etc", "/api/%2e%2e/x", "/api//v1", "/a/%00", "/a/%zz",
                     "/a/%4", "/a?x=%", "http://host/api"})
        EXPECT_FALSE(parse_target(bad)) << bad;
    // An encoded slash stays inside its segment (and names nothing).
    EXPECT_EQ(parse_target("/a/b%2Fc")->segments.back(), "b/c");
}

// Found by fuzz_api_request: a name that is not UTF-8 (raw or percent-encoded) was echoed
// into an error body, which then was not valid JSON. Such targets are refused (400).
TEST(ApiTarget, NonUtf8Refused) {
    for (auto bad : {"/api/v1/addresses/x\x8a", "/api/v1/users/%8a", "/api/v1/users?q=%c3%28",
                     "/api/v1/users/%ed%a0%80"})
        EXPECT_FALSE(parse_target(bad)) << bad;
    EXPECT_EQ(parse_target("/api/v1/users/j%C3%B6rg")->segments.back(), "j\xC3\xB6rg");
}

TEST(ApiFields, TypesRangesAndUnknownFields) {
    auto body = json::parse(R"({"s":"x","b":1,"i":70,"n":null,"l":["a",2,""],"c":"z","extra":1})")
                    .as_object();
    Fields f(body);
    EXPECT_EQ(f.string("s", true), "x");
    EXPECT_FALSE(f.boolean("b", true));
    EXPECT_FALSE(f.integer("i", true, 0, 10));
    auto n = f.nullable_integer("n", 0, 10);
    ASSERT_TRUE(n);
    EXPECT_FALSE(*n);
    EXPECT_FALSE(f.strings("l", true));
    EXPECT_FALSE(f.choice("c", true, {"a", "b"}));
    EXPECT_FALSE(f.string("missing", true));
    EXPECT_FALSE(f.string("optional", false));
    EXPECT_FALSE(f.finish());
    std::vector<std::pair<std::string, std::string>> got;
    for (auto& e : f.errors()) got.emplace_back(e.field, e.error);
    std::vector<std::pair<std::string, std::string>> want = {
        {"b", "wrong_type"},       {"i", "out_of_range"},   {"l[1]", "wrong_type"},
        {"l[2]", "empty"},         {"c", "invalid_choice"}, {"missing", "required"},
        {"extra", "unknown_field"}};
    EXPECT_EQ(got, want);
    EXPECT_EQ(f.errors()[1].value, json::value(70));
}

TEST(ApiThrottle, GrowingDelayPerAccountAndIp) {
    Throttle t;
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(t.wait("1.2.3.4", "admin:a", 100, 3), 0);
        t.failure("1.2.3.4", "admin:a", 100);
    }
    EXPECT_EQ(t.wait("1.2.3.4", "admin:a", 100, 3), 5);  // the first delay after the 3rd
    EXPECT_EQ(t.wait("5.6.7.8", "admin:a", 100, 3), 5);  // per account, from anywhere
    EXPECT_EQ(t.wait("1.2.3.4", "admin:b", 100, 3), 0);  // the IP has 4x the room
    EXPECT_EQ(t.wait("1.2.3.4", "admin:a", 102, 3), 3);
    EXPECT_EQ(t.wait("1.2.3.4", "admin:a", 105, 3), 0);
    t.failure("1.2.3.4", "admin:a", 105);
    EXPECT_EQ(t.wait("1.2.3.4", "admin:a", 105, 3), 10);  // doubles
    t.failure("1.2.3.4", "admin:a", 115);
    EXPECT_EQ(t.wait("1.2.3.4", "admin:a", 115, 3), 20);
    t.success("admin:a");
    EXPECT_EQ(t.wait("1.2.3.4", "admin:a", 115, 3), 0);
    // Forgotten an hour after the last failure.
    for (int i = 0; i < 20; ++i) t.failure("9.9.9.9", "user:x", 1000);
    EXPECT_EQ(t.wait("9.9.9.9", "user:x", 1000, 3), Throttle::kMaxDelay);
    EXPECT_EQ(t.wait("9.9.9.9", "user:x", 1000 + Throttle::kForget, 3), 0);
}

class ApiTest : public ::testing::Test {
  protected:
    void SetUp() override {
        svc = std::make_unique<admin::Service>(dir.path + "/magpie.db");
        api = std::make_unique<Api>(*svc);
        ASSERT_TRUE(svc->add_admin("root", "root-pw", "admin").ok());
        ASSERT_TRUE(svc->add_admin("viewer", "view-pw", "readonly").ok());
        ASSERT_TRUE(svc->add_admin("postmaster", "mail-pw", "mailadm").ok());
    }
    Response call(const std::string& method, const std::string& target,
                  const std::string& body = "", const std::string& token = "") {
        Request r{method, target, token.empty() ? "" : "Bearer " + token, body, "192.0.2.7"};
        return api->handle(r, limits, now);
    }
    std::string login(const std::string& name, const std::string& pw, const char* kind = "admin") {
        auto r =
            call("POST", "/api/v1/login",
                 json::serialize(json::object{{"name", name}, {"password", pw}, {"kind", kind}}));
        EXPECT_EQ(r.status, 200) << r.body;
        return std::string(json::parse(r.body).at("token").as_string());
    }
    static json::value parsed(const Response& r) { return json::parse(r.body); }

    test_util::TempDir dir;
    std::unique_ptr<admin::Service> svc;
    std::unique_ptr<Api> api;
    Limits limits{60, 3, 4096};
    int64_t now = 1'000'000;
};

TEST_F(ApiTest, StatusCodesOfThePipeline) {
    auto root = login("root", "root-pw");
    EXPECT_EQ(call("GET", "/nothing").status, 404);
    EXPECT_EQ(call("GET", "/api/v1/nothing", "", root).status, 404);
    EXPECT_EQ(call("GET", "/api/v1/../v1/users", "", root).status, 400);
    auto r = call("PUT", "/api/v1/users", "", root);
    EXPECT_EQ(r.status, 405);
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].second, "GET, POST");
    EXPECT_EQ(call("GET", "/api/v1/users").status, 401);
    EXPECT_EQ(call("GET", "/api/v1/users", "", "not-a-token").status, 401);
    EXPECT_EQ(call("POST", "/api/v1/users", std::string(5000, ' '), root).status, 413);
    r = call("POST", "/api/v1/users", "{\"name\":", root);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(parsed(r).at("code"), "malformed_json");
    EXPECT_EQ(call("POST", "/api/v1/users", "[1]", root).status, 400);
    // Found by fuzz_api_request: 1e412 parsed to infinity and was echoed as invalid JSON.
    r = call("POST", "/api/v1/users", "{\"name\":\"b\",\"quota\":[1e412]}", root);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(parsed(r).at("code"), "malformed_json");
    EXPECT_EQ(call("GET", "/api/v1/openapi.json").status, 200);
}

TEST_F(ApiTest, ValidationAndServiceErrors) {
    auto root = login("root", "root-pw");
    auto r = call("POST", "/api/v1/users", R"({"name":"bob","quota":-1,"colour":"red"})", root);
    EXPECT_EQ(r.status, 422);
    auto fields = parsed(r).at("fields").as_array();
    ASSERT_EQ(fields.size(), 2u);
    EXPECT_EQ(fields[0].at("field"), "quota");
    EXPECT_EQ(fields[0].at("error"), "out_of_range");
    EXPECT_EQ(fields[1].at("field"), "colour");
    EXPECT_EQ(fields[1].at("error"), "unknown_field");
    EXPECT_FALSE(svc->get_user("bob").ok());  // nothing changed

    r = call("POST", "/api/v1/users", R"({"name":"bob","password":"pw","quota":1048576})", root);
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(parsed(r).at("quota"), 1048576);
    EXPECT_EQ(call("POST", "/api/v1/users", R"({"name":"bob"})", root).status, 409);
    EXPECT_EQ(call("POST", "/api/v1/users", R"({"name":"-bad"})", root).status, 400);
    EXPECT_EQ(call("GET", "/api/v1/users/nobody", "", root).status, 404);
    EXPECT_EQ(call("PATCH", "/api/v1/users/bob", R"({"quota":null,"disabled":true})", root).status,
              200);
    auto u = svc->get_user("bob");
    EXPECT_TRUE(u.value.disabled);
    EXPECT_FALSE(u.value.quota);
}

TEST_F(ApiTest, RolesAndSessions) {
    auto viewer = login("viewer", "view-pw");
    auto mail = login("postmaster", "mail-pw");
    EXPECT_EQ(call("GET", "/api/v1/users", "", viewer).status, 200);
    EXPECT_EQ(call("POST", "/api/v1/domains", R"({"name":"a.test"})", viewer).status, 403);
    EXPECT_FALSE(svc->get_domain("a.test").ok());
    EXPECT_EQ(call("POST", "/api/v1/domains", R"({"name":"a.test"})", mail).status, 201);
    EXPECT_EQ(call("PUT", "/api/v1/settings/max_message_size", R"({"value":"1M"})", mail).status,
              403);
    EXPECT_EQ(call("GET", "/api/v1/me", "", mail).status, 200);
    EXPECT_EQ(call("POST", "/api/v1/logout", "", mail).status, 204);
    EXPECT_EQ(call("GET", "/api/v1/me", "", mail).status, 401);
    // Expiry.
    now += limits.session_lifetime;
    EXPECT_EQ(call("GET", "/api/v1/me", "", viewer).status, 401);
    // A removed admin's session ends.
    auto root = login("root", "root-pw");
    auto v2 = login("viewer", "view-pw");
    EXPECT_EQ(call("DELETE", "/api/v1/admins/viewer", "", root).status, 204);
    EXPECT_EQ(call("GET", "/api/v1/me", "", v2).status, 401);
}

TEST_F(ApiTest, LoginThrottledAndAudited) {
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(call("POST", "/api/v1/login", R"({"name":"root","password":"no"})").status, 401);
    auto r = call("POST", "/api/v1/login", R"({"name":"root","password":"root-pw"})");
    EXPECT_EQ(r.status, 429);
    now += Throttle::kFirstDelay;
    auto root = login("root", "root-pw");
    auto audit = parsed(call("GET", "/api/v1/audit?limit=2", "", root));
    EXPECT_EQ(audit.at("total"), 5);
    auto& last = audit.at("items").as_array()[0];
    EXPECT_EQ(last.at("actor"), "root");
    EXPECT_EQ(last.at("status"), 200);
    EXPECT_EQ(last.at("ip"), "192.0.2.7");
    EXPECT_EQ(last.at("path"), "/api/v1/login");
    EXPECT_EQ(last.at("detail").as_string().find("root-pw"), std::string::npos);
}

TEST_F(ApiTest, RefusedChangesAreAuditedToo) {
    EXPECT_EQ(call("DELETE", "/api/v1/users/alice").status, 401);
    EXPECT_EQ(call("GET", "/api/v1/users").status, 401);  // reads are not audited
    auto viewer = login("viewer", "view-pw");
    EXPECT_EQ(call("POST", "/api/v1/users", "{oops", viewer).status, 400);
    auto page = svc->audit_list(0, 10);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page.value.total, 3);  // the DELETE, the login, the malformed POST
    auto& bad = page.value.items[0];
    EXPECT_EQ(bad.actor, "viewer");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.detail, "");
    auto& anon = page.value.items[2];
    EXPECT_EQ(anon.actor, "");
    EXPECT_EQ(anon.method, "DELETE");
    EXPECT_EQ(anon.path, "/api/v1/users/alice");
    EXPECT_EQ(anon.status, 401);
    EXPECT_EQ(anon.ip, "192.0.2.7");
}

TEST_F(ApiTest, Pagination) {
    auto root = login("root", "root-pw");
    for (auto n : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(svc->add_user(n).ok());
    auto p = parsed(call("GET", "/api/v1/users?offset=1&limit=2", "", root));
    EXPECT_EQ(p.at("total"), 5);
    ASSERT_EQ(p.at("items").as_array().size(), 2u);
    EXPECT_EQ(p.at("items").as_array()[0].at("name"), "b");
    EXPECT_EQ(parsed(call("GET", "/api/v1/users?offset=9", "", root)).at("items").as_array().size(),
              0u);
    auto r = call("GET", "/api/v1/users?limit=0&offset=-1", "", root);
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(parsed(r).at("fields").as_array().size(), 2u);
}

TEST_F(ApiTest, MailUserSelfService) {
    ASSERT_TRUE(svc->add_user("carol", std::string_view("old-pw")).ok());
    auto carol = login("carol", "old-pw", "user");
    EXPECT_EQ(call("GET", "/api/v1/users", "", carol).status, 403);
    auto me = parsed(call("GET", "/api/v1/self", "", carol));
    EXPECT_EQ(me.at("name"), "carol");
    EXPECT_EQ(me.at("quota").at("limit"), 0);
    EXPECT_EQ(call("PUT", "/api/v1/self/password",
                   R"({"current_password":"wrong","password":"new-pw"})", carol)
                  .status,
              403);
    EXPECT_EQ(call("PUT", "/api/v1/self/password",
                   R"({"current_password":"old-pw","password":"new-pw"})", carol)
                  .status,
              204);
    EXPECT_TRUE(svc->check_user_login("carol", "new-pw").ok());
    auto root = login("root", "root-pw");
    EXPECT_EQ(call("GET", "/api/v1/self", "", root).status, 403);
}

}  // namespace
}  // namespace magpie::api
