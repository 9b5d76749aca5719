// A request target split into decoded path segments and query parameters (RFC 3986 §3.3,
// §3.4). Path tricks are refused here: "." and ".." segments, empty segments, a NUL or a bad
// percent escape, and a target that is not an absolute path.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::api {

struct Target {
    std::vector<std::string> segments;         // "/api/v1/users/bob" -> {"api","v1","users","bob"}
    std::map<std::string, std::string> query;  // the last value wins
};

std::optional<Target> parse_target(std::string_view target);

// Decodes %XX escapes (and '+' as space when `plus_space`); nullopt on a bad escape or NUL.
std::optional<std::string> percent_decode(std::string_view s, bool plus_space);

}  // namespace magpie::api
