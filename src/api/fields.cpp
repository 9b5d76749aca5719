// Body validation: typed field getters collecting {field, value, error, message} problems.
#include "api/fields.h"

namespace magpie::api {
namespace json = boost::json;

void Fields::add(std::string_view field, const json::value& value, std::string_view error,
                 std::string message) {
    errors_.push_back(
        FieldError{std::string(field), value, std::string(error), std::move(message)});
}

const json::value* Fields::get(std::string_view key, bool required) {
    known_.emplace(key);
    auto* v = body_.if_contains(key);
    if (!v && required) add(key, nullptr, "required", "this field is required");
    return v;
}

std::optional<std::string> Fields::string(std::string_view key, bool required, size_t max_len) {
    auto* v = get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
        add(key, *v, "wrong_type", "must be a string");
        return std::nullopt;
    }
    std::string s(v->as_string());
    if (s.size() > max_len) {
        add(key, *v, "too_long", "must be at most " + std::to_string(max_len) + " characters");
        return std::nullopt;
    }
    return s;
}

std::optional<bool> Fields::boolean(std::string_view key, bool required) {
    auto* v = get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_bool()) {
        add(key, *v, "wrong_type", "must be true or false");
        return std::nullopt;
    }
    return v->as_bool();
}

static std::optional<int64_t> as_int(const json::value& v) {
    if (v.is_int64()) return v.as_int64();
    if (v.is_uint64() && v.as_uint64() <= uint64_t(INT64_MAX)) return int64_t(v.as_uint64());
    return std::nullopt;
}

std::optional<int64_t> Fields::integer(std::string_view key, bool required, int64_t min,
                                       int64_t max) {
    auto* v = get(key, required);
    if (!v) return std::nullopt;
    auto n = as_int(*v);
    if (!n) {
        add(key, *v, "wrong_type", "must be an integer");
        return std::nullopt;
    }
    if (*n < min || *n > max) {
        add(key, *v, "out_of_range",
            "must be " + std::to_string(min) + " to " + std::to_string(max));
        return std::nullopt;
    }
    return n;
}

std::optional<std::optional<int64_t>> Fields::nullable_integer(std::string_view key, int64_t min,
                                                               int64_t max) {
    auto* v = get(key, false);
    if (!v) return std::nullopt;
    if (v->is_null()) return std::optional<int64_t>{};
    auto n = integer(key, false, min, max);
    if (!n) return std::nullopt;
    return std::optional<int64_t>{*n};
}

std::optional<std::vector<std::string>> Fields::strings(std::string_view key, bool required,
                                                        size_t max_items, size_t max_len) {
    auto* v = get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_array()) {
        add(key, *v, "wrong_type", "must be an array of strings");
        return std::nullopt;
    }
    auto& a = v->as_array();
    if (a.size() > max_items) {
        add(key, *v, "too_many", "must have at most " + std::to_string(max_items) + " items");
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (size_t i = 0; i < a.size(); ++i) {
        auto item = std::string(key) + "[" + std::to_string(i) + "]";
        if (!a[i].is_string()) {
            add(item, a[i], "wrong_type", "must be a string");
            ok = false;
        } else if (a[i].as_string().size() > max_len) {
            add(item, a[i], "too_long",
                "must be at most " + std::to_string(max_len) + " characters");
            ok = false;
        } else if (a[i].as_string().empty()) {
            add(item, a[i], "empty", "must not be empty");
            ok = false;
        } else {
            out.emplace_back(a[i].as_string());
        }
    }
    if (!ok) return std::nullopt;
    return out;
}

std::optional<std::string> Fields::choice(std::string_view key, bool required,
                                          const std::vector<std::string>& choices) {
    auto s = string(key, required);
    if (!s) return std::nullopt;
    for (auto& c : choices)
        if (c == *s) return s;
    std::string list;
    for (auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    add(key, json::value(*s), "invalid_choice", "must be one of: " + list);
    return std::nullopt;
}

const json::value* Fields::raw(std::string_view key, bool required) {
    return get(key, required);
}

bool Fields::finish() {
    for (auto& [k, v] : body_)
        if (!known_.count(std::string_view(k)))
            add(std::string_view(k), v, "unknown_field", "this field is not known here");
    return errors_.empty();
}

}  // namespace magpie::api
