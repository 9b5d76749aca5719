// DNS answers and the RDATA decoders for the record types mail needs (A, AAAA, MX, TXT,
// PTR), independent of the resolver library so they can be unit-tested and fuzzed.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::dns {

enum class Status {
    Ok,        // records in `rdata`
    NoData,    // the name exists, no records of this type
    NxDomain,  // the name does not exist
    TempFail,  // SERVFAIL, timeout, network error: try again later
    PermFail,  // REFUSED/FORMERR, bogus DNSSEC, malformed name
};

struct Answer {
    Status status = Status::TempFail;
    bool secure = false;  // DNSSEC validated
    std::vector<std::string> rdata;
    std::string error;  // why, for logs and deferral reasons
};

struct Mx {
    int preference = 0;
    std::string host;  // lower case, no trailing dot; "" is the RFC 7505 null MX "."
};

// Wire-format decoders; nullopt on malformed data.
std::optional<Mx> decode_mx(std::string_view rdata);
std::optional<std::string> decode_a(std::string_view rdata);     // dotted quad
std::optional<std::string> decode_aaaa(std::string_view rdata);  // RFC 5952 text
std::optional<std::string> decode_txt(std::string_view rdata);   // strings joined
std::optional<std::string> decode_name(std::string_view rdata);  // PTR/CNAME target

}  // namespace magpie::dns
