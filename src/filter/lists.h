// The filter's address lists (settings such as filter_allow_from): comma-separated
// addresses and domains. Bypass lists match domains exactly; allow and block lists also
// match subdomains ("example.com" covers "mail.example.com").
#pragma once
#include <string_view>

namespace magpie::filter {

enum class DomainMatch { Exact, WithSubdomains };

// True when `address` (an envelope address, any case) is in `list`.
bool list_matches(std::string_view list, std::string_view address, DomainMatch how);

}  // namespace magpie::filter
