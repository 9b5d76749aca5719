// Routes of the HTTP API: method + path pattern ("/api/v1/users/{name}"), who may call it,
// and the handler. The router finds the route of a request and its path parameters; the
// Api (api.h) does the rest (authentication, roles, body, audit).
#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/fields.h"
#include "api/http.h"
#include "api/reply.h"

namespace magpie::admin {
class Service;
}

namespace magpie::api {

// Who may call a route. Admin roles rank admin > mailadm > readonly.
enum class Access {
    Public,  // nobody needs to log in
    Any,     // anyone logged in (an admin or a mail user)
    Self,    // a mail user (self-service)
    Read,    // any admin, readonly included
    Mail,    // mailadm or admin: mail objects and the queue
    Admin,   // admin only: server settings and admin accounts
};

struct Principal {
    std::string name;
    std::string kind;  // "admin", "user", or "" when not logged in
    std::string role;  // admin, mailadm, readonly, or "user"
    std::string token;
    int64_t expires = 0;
};

struct Limits {
    int64_t session_lifetime = 3600;  // seconds
    int64_t login_max_failures = 5;   // before the growing delay starts
    int64_t max_body = 1 << 20;       // bytes
};

class Throttle;

// What a handler gets.
struct Call {
    const Request& req;
    std::map<std::string, std::string> params;  // from the path pattern
    std::map<std::string, std::string> query;
    boost::json::object body;  // {} when the route takes no body
    Principal who;
    admin::Service& svc;
    Throttle& throttle;
    const Limits& limits;
    int64_t now = 0;  // unix seconds
    // Mail users' storage in use (bytes), when the server can tell.
    const std::function<std::optional<int64_t>(const std::string&)>& usage;
};

using Handler = std::function<Response(Call&)>;

struct Route {
    std::string method;
    std::string pattern;
    Access access = Access::Read;
    Handler handler;
    bool has_body = false;  // takes a JSON object body
};

class Router {
  public:
    void add(Route r);
    struct Match {
        const Route* route = nullptr;
        bool path_found = false;  // some route has this path (405 when none has the method)
        std::vector<std::string> allowed;  // methods of the path
        std::map<std::string, std::string> params;
    };
    Match find(const std::string& method, const std::vector<std::string>& segments) const;
    const std::vector<Route>& routes() const { return routes_; }

  private:
    std::vector<Route> routes_;
    std::vector<std::vector<std::string>> split_;  // the patterns' segments
};

bool allowed(Access a, const Principal& p);

}  // namespace magpie::api
