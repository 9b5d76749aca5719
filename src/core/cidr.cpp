// IPv4/IPv6 address and CIDR parsing and matching.
#include "core/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "core/strings.h"

namespace magpie {

std::optional<IpAddr> IpAddr::parse(std::string_view text) {
    std::string s(trim(text));
    if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    IpAddr ip;
    in_addr a4{};
    in6_addr a6{};
    if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
        ip.v4 = true;
        ip.bytes[10] = ip.bytes[11] = 0xff;
        std::memcpy(&ip.bytes[12], &a4, 4);
        return ip;
    }
    if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
        std::memcpy(ip.bytes.data(), &a6, 16);
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        ip.v4 = std::memcmp(ip.bytes.data(), mapped, 12) == 0;
        return ip;
    }
    return std::nullopt;
}

std::string IpAddr::str() const {
    char buf[INET6_ADDRSTRLEN];
    if (v4) return inet_ntop(AF_INET, &bytes[12], buf, sizeof buf);
    return inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
}

bool IpAddr::is_loopback() const {
    if (v4) return bytes[12] == 127;
    for (int i = 0; i < 15; ++i)
        if (bytes[i]) return false;
    return bytes[15] == 1;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
    text = trim(text);
    auto slash = text.find('/');
    auto ip = IpAddr::parse(text.substr(0, slash));
    if (!ip) return std::nullopt;
    Cidr c;
    c.net = *ip;
    c.prefix = 128;
    if (slash != std::string_view::npos) {
        auto p = text.substr(slash + 1);
        int bits = -1;
        auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), bits);
        if (ec != std::errc() || ptr != p.data() + p.size()) return std::nullopt;
        int max = ip->v4 ? 32 : 128;
        if (bits < 0 || bits > max) return std::nullopt;
        c.prefix = ip->v4 ? bits + 96 : bits;
    }
    return c;
}

bool Cidr::contains(const IpAddr& ip) const {
    int full = prefix / 8, rest = prefix % 8;
    if (std::memcmp(net.bytes.data(), ip.bytes.data(), full) != 0) return false;
    if (rest == 0) return true;
    unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (net.bytes[full] & mask) == (ip.bytes[full] & mask);
}

std::optional<CidrList> CidrList::parse(std::string_view text, std::string* bad_entry) {
    CidrList list;
    for (auto& item : split_list(text, ", \t\n")) {
        auto c = Cidr::parse(item);
        if (!c) {
            if (bad_entry) *bad_entry = item;
            return std::nullopt;
        }
        list.nets.push_back(*c);
    }
    return list;
}

bool CidrList::contains(const IpAddr& ip) const {
    for (auto& n : nets)
        if (n.contains(ip)) return true;
    return false;
}

}  // namespace magpie
