// The special-purpose ranges (RFC 6890 registries) that DNS blocklists never list.
#include "filter/ip_scope.h"

#include <vector>

namespace magpie::filter {

bool is_global_unicast(const IpAddr& ip) {
    static const std::vector<Cidr> special = [] {
        std::vector<Cidr> nets;
        for (const char* n :
             {"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
              "172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4",
              "240.0.0.0/4", "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8"})
            nets.push_back(*Cidr::parse(n));
        return nets;
    }();
    for (const auto& n : special)
        if (n.contains(ip)) return false;
    return true;
}

}  // namespace magpie::filter
