// Validation of a JSON request body: typed getters that record every problem as a
// {field, value, error, message} object with a stable error key, and refuse fields nobody
// asked for. Handlers read all fields first, then answer 422 with the whole list.
//
// Error keys: required, wrong_type, unknown_field, out_of_range, too_long, empty,
// invalid_choice, too_many.
#pragma once
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::api {

struct FieldError {
    std::string field;
    boost::json::value value;
    std::string error;    // the stable key
    std::string message;  // for people
};

class Fields {
  public:
    explicit Fields(const boost::json::object& body) : body_(body) {}

    // Each getter marks `key` as known; a missing optional field gives nullopt.
    std::optional<std::string> string(std::string_view key, bool required, size_t max_len = 255);
    std::optional<bool> boolean(std::string_view key, bool required);
    std::optional<int64_t> integer(std::string_view key, bool required, int64_t min, int64_t max);
    // null is a value of its own: the outer optional says the field was given.
    std::optional<std::optional<int64_t>> nullable_integer(std::string_view key, int64_t min,
                                                           int64_t max);
    std::optional<std::vector<std::string>> strings(std::string_view key, bool required,
                                                    size_t max_items = 1000, size_t max_len = 255);
    // A string that must be one of `choices`.
    std::optional<std::string> choice(std::string_view key, bool required,
                                      const std::vector<std::string>& choices);
    // Any JSON value, unchecked (the handler judges it).
    const boost::json::value* raw(std::string_view key, bool required);

    void add(std::string_view field, const boost::json::value& value, std::string_view error,
             std::string message);
    // Adds unknown_field for every field no getter asked for; true when no error was found.
    bool finish();
    const std::vector<FieldError>& errors() const { return errors_; }

  private:
    const boost::json::value* get(std::string_view key, bool required);

    const boost::json::object& body_;
    std::set<std::string, std::less<>> known_;
    std::vector<FieldError> errors_;
};

}  // namespace magpie::api
