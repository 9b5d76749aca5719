// Whether an IP address is worth a blocklist query: globally routed unicast, not
// loopback, private (RFC 1918, RFC 4193), link-local, shared (RFC 6598) or reserved.
#pragma once
#include "core/cidr.h"

namespace magpie::filter {

bool is_global_unicast(const IpAddr& ip);

}  // namespace magpie::filter
