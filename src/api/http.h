// The HTTP API's request and response as plain values: the thin server (api/http/) fills a
// Request from the wire and writes the Response back; everything between is socket-free.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace magpie::api {

struct Request {
    std::string method;         // "GET", "POST", ...
    std::string target;         // "/api/v1/users?offset=0&limit=10"
    std::string authorization;  // the Authorization header, or ""
    std::string body;
    std::string peer;  // the client's IP address
};

struct Response {
    int status = 200;
    std::string body;  // JSON text, or "" (204)
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

}  // namespace magpie::api
