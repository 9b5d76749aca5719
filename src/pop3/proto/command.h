// POP3 command lines (RFC 1939 §3, RFC 2449 §3): a case-insensitive keyword, then arguments
// separated by spaces. PASS keeps its whole argument, spaces included.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace magpie::pop3 {

enum class Verb {
    User,
    Pass,
    Apop,
    Auth,
    Stls,
    Capa,
    Stat,
    List,
    Retr,
    Dele,
    Noop,
    Rset,
    Quit,
    Top,
    Uidl,
    Unknown
};

struct Command {
    Verb verb = Verb::Unknown;
    std::string_view keyword;
    std::string_view rest;               // everything after the keyword and one space
    std::vector<std::string_view> args;  // `rest` split on spaces
};

Command parse_command(std::string_view line);

// A decimal number of at most `max_digits` digits, nothing else.
std::optional<uint64_t> parse_number(std::string_view s, size_t max_digits = 9);

}  // namespace magpie::pop3
