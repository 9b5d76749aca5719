// The tag=value lists of DKIM-Signature fields and DNS key records (RFC 6376 §3.2).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace magpie::dkim {

struct TagList {
    std::map<std::string, std::string> tags;  // name (case-sensitive) to value, FWS trimmed
    const std::string* get(const std::string& name) const;
};

// nullopt and *error set on a syntax error or a duplicate tag (RFC 6376 §3.2).
std::optional<TagList> parse_tags(std::string_view text, std::string* error = nullptr);

// Removes all whitespace (FWS inside base64 values, RFC 6376 §3.5 b= and bh=).
std::string strip_wsp(std::string_view s);

// Removes the value of the b= tag, keeping "b=" and everything else byte for byte
// (RFC 6376 §3.7 step 2 of the header hash).
std::string blank_b_value(std::string_view field);

}  // namespace magpie::dkim
