// IPv4/IPv6 addresses and CIDR networks, for relay-from lists and trusted networks.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie {

struct IpAddr {
    std::array<unsigned char, 16> bytes{};  // IPv4 stored as v4-mapped IPv6
    bool v4 = false;
    static std::optional<IpAddr> parse(std::string_view text);
    std::string str() const;
    bool is_loopback() const;
};

struct Cidr {
    IpAddr net;
    int prefix = 128;  // in IPv6 bits (IPv4 /24 becomes 96+24)
    static std::optional<Cidr> parse(std::string_view text);  // "10.0.0.0/8", "::1", "1.2.3.4"
    bool contains(const IpAddr& ip) const;
};

// A parsed comma/space separated list of networks; invalid entries are reported by parse.
struct CidrList {
    std::vector<Cidr> nets;
    static std::optional<CidrList> parse(std::string_view text, std::string* bad_entry = nullptr);
    bool contains(const IpAddr& ip) const;
};

}  // namespace magpie
