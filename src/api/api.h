// The admin HTTP API, socket-free: takes a Request, returns a Response. It checks the target,
// finds the route (404, 405), bounds the body (413), authenticates the bearer token (401),
// checks the role (403), parses the JSON body (400), runs the handler (which answers 422 for
// bad fields and maps the service layer's errors to 400/404/409/500) and writes every
// state-changing call that reached a route (refused ones included) to the audit trail. Thread-safe;
// the handlers block (password hashing, SQLite), so servers call handle() off their I/O threads.
// Routes are listed in docs/api.md.
#pragma once
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "api/http.h"
#include "api/router.h"
#include "api/throttle.h"

namespace magpie::admin {
class Service;
}

namespace magpie::api {

class Api {
  public:
    explicit Api(admin::Service& svc);
    Response handle(const Request& req, const Limits& limits, int64_t now);
    const Router& router() const { return router_; }
    // Set by the server: a mail user's storage in use, for the self-service quota.
    std::function<std::optional<int64_t>(const std::string&)> usage;

  private:
    // Everything after the route is found: size, login, body, role, handler. Fills `who`
    // and `body` for the audit line, whatever the outcome.
    Response run(const Request& req, const Route& route, std::map<std::string, std::string>& params,
                 std::map<std::string, std::string>& query, const Limits& limits, int64_t now,
                 Principal& who, boost::json::value& body);

    admin::Service& svc_;
    Router router_;
    Throttle throttle_;
};

// The route groups (routes_*.cpp); each adds its routes to the router.
void add_auth_routes(Router& r);       // login, logout, me, self-service, admins, audit
void add_directory_routes(Router& r);  // domains, users, groups, public mailboxes, addresses
void add_settings_routes(Router& r);
void add_mail_routes(Router& r);    // DKIM, relay rules, the queue
void add_openapi_route(Router& r);  // openapi.cpp
// The OpenAPI 3 document of every route (openapi.cpp).
const char* openapi_document();

}  // namespace magpie::api
