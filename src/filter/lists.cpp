// Matching envelope addresses against comma-separated address/domain lists.
#include "filter/lists.h"

#include "core/strings.h"

namespace magpie::filter {

bool list_matches(std::string_view list, std::string_view address, DomainMatch how) {
    if (list.empty() || address.empty()) return false;
    std::string addr = to_lower(address);
    auto at = addr.rfind('@');
    std::string_view domain = at == std::string::npos ? std::string_view() : std::string_view(addr).substr(at + 1);
    for (const auto& raw : split_list(list, ", \t")) {
        std::string entry = to_lower(raw);
        if (entry.empty()) continue;
        if (entry.find('@') != std::string::npos) {
            if (entry == addr) return true;
            continue;
        }
        if (!entry.empty() && entry[0] == '@') entry.erase(0, 1);
        if (domain == entry) return true;
        if (how == DomainMatch::WithSubdomains && domain.size() > entry.size() &&
            domain.substr(domain.size() - entry.size()) == entry &&
            domain[domain.size() - entry.size() - 1] == '.') {
            return true;
        }
    }
    return false;
}

}  // namespace magpie::filter
