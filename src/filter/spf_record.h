// SPF records (RFC 7208 §4.5, §4.6, §5, §6): selecting the one "v=spf1" record of a TXT
// answer and parsing it into mechanisms and modifiers, with every syntax error found before
// anything is evaluated. Internal to the SPF library.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cidr.h"
#include "filter/spf_macro.h"

namespace magpie::filter::spf {

enum class Qualifier { Pass, Fail, SoftFail, Neutral };  // + - ~ ?

enum class MechanismKind { All, Include, A, Mx, Ptr, Ip4, Ip6, Exists };

struct Mechanism {
    Qualifier qualifier = Qualifier::Pass;
    MechanismKind kind = MechanismKind::All;
    std::string text;                   // the term as written
    std::optional<MacroString> domain;  // include/a/mx/ptr/exists; absent: the current domain
    int cidr4 = 32;                     // a/mx/ip4 prefix length for IPv4
    int cidr6 = 128;                    // a/mx/ip6 prefix length for IPv6
    IpAddr network;                     // ip4/ip6
};

struct Record {
    std::vector<Mechanism> mechanisms;
    std::optional<MacroString> redirect;
    std::optional<MacroString> exp;
    bool has_all = false;  // §5.1: a record with "all" ignores redirect=
};

// RFC 7208 §4.5: whether a TXT string is an SPF record ("v=spf1" then a space or the end,
// case-insensitively).
bool is_spf_record(std::string_view txt);

// Parses a whole record; nullopt with *error set on any syntax error (§4.6: PermError).
std::optional<Record> parse_record(std::string_view txt, std::string* error);

}  // namespace magpie::filter::spf
