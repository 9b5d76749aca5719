// Address and name syntax checks for the directory.
#include "store/address.h"

#include "core/strings.h"

namespace magpie::store {

static bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

AddressParts split_address(std::string_view address) {
    auto at = address.rfind('@');
    if (at == std::string_view::npos) return {address, {}};
    return {address.substr(0, at), address.substr(at + 1)};
}

bool valid_domain(std::string_view domain) {
    if (domain.empty() || domain.size() > 253) return false;
    int labels = 0;
    for (auto& label : split_list(domain, ".")) {
        ++labels;
        if (label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (char c : label)
            if (!is_alnum(c) && c != '-') return false;
    }
    // split_list drops empty pieces, so "a..b" or ".a" would count too few dots.
    size_t dots = 0;
    for (char c : domain) dots += c == '.';
    return labels >= 2 && dots == static_cast<size_t>(labels - 1);
}

bool valid_local_part(std::string_view local) {
    if (local.empty() || local.size() > 64) return false;
    if (local.front() == '.' || local.back() == '.') return false;
    // RFC 5322 §3.2.3 atext
    static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
    char prev = 0;
    for (char c : local) {
        if (c == '.' && prev == '.') return false;
        if (!is_alnum(c) && c != '.' && kSpecials.find(c) == std::string_view::npos) return false;
        prev = c;
    }
    return true;
}

bool valid_email(std::string_view address) {
    auto at = address.rfind('@');
    if (at == std::string_view::npos) return false;
    return valid_local_part(address.substr(0, at)) && valid_domain(address.substr(at + 1));
}

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || !is_alnum(name.front())) return false;
    for (char c : name)
        if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '.' && c != '_' && c != '-')
            return false;
    return true;
}

std::string normalize_remote(std::string_view address) {
    auto [local, domain] = split_address(address);
    if (domain.empty()) return std::string(address);
    return std::string(local) + "@" + to_lower(domain);
}

}  // namespace magpie::store
