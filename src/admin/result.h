// Results of service-layer operations: success, or an error kind plus a message meant for
// the admin (the CLI prints it, the HTTP API maps the kind to a status code).
#pragma once
#include <string>
#include <utility>

namespace magpie::admin {

enum class Errc {
    None,
    Invalid,   // bad syntax or a reference to something that does not exist (HTTP 400)
    NotFound,  // the object operated on does not exist (HTTP 404)
    Exists,    // would create a duplicate (HTTP 409)
    Internal,  // database or system failure (HTTP 500)
};

struct Status {
    Errc code = Errc::None;
    std::string message;
    bool ok() const { return code == Errc::None; }
    explicit operator bool() const { return ok(); }
    static Status error(Errc c, std::string msg) { return {c, std::move(msg)}; }
};

template <typename T>
struct Result : Status {
    T value{};
    Result() = default;
    Result(T v) : value(std::move(v)) {}
    Result(Status s) : Status(std::move(s)) {}
};

}  // namespace magpie::admin
