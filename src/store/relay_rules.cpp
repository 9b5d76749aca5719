// Relay rule matching and relay-domain lookup over a directory Snapshot, following
// NethServer's Relay page: recipient rules, then sender rules, then the default; an exact
// address pattern beats a domain pattern; domain patterns match that domain only.
#include "store/relay_rules.h"

#include <arpa/inet.h>

#include <charconv>

#include "core/strings.h"
#include "store/address.h"
#include "store/directory.h"

namespace magpie::store {
namespace {

// The best enabled rule of `type` for `address`: exact address first, then its domain.
const RelayRule* match_type(const Snapshot& s, RelayRule::Type type, std::string_view address) {
    auto domain = to_lower(split_address(address).domain);
    if (domain.empty()) return nullptr;
    auto full = to_lower(address);
    const RelayRule* by_domain = nullptr;
    for (auto& r : s.relay_rules) {
        if (!r.enabled || r.type != type) continue;
        if (r.pattern == full) return &r;
        if (!by_domain && r.pattern == domain) by_domain = &r;
    }
    return by_domain;
}

bool is_ip_literal(const std::string& host) {
    unsigned char buf[16];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 ||
           inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

const char* relay_type_name(RelayRule::Type t) {
    switch (t) {
        case RelayRule::Type::Recipient:
            return "recipient";
        case RelayRule::Type::Sender:
            return "sender";
        case RelayRule::Type::Default:
            return "default";
    }
    return "default";
}

std::optional<RelayRule::Type> parse_relay_type(std::string_view name) {
    auto n = to_lower(trim(name));
    if (n == "recipient") return RelayRule::Type::Recipient;
    if (n == "sender") return RelayRule::Type::Sender;
    if (n == "default") return RelayRule::Type::Default;
    return std::nullopt;
}

const RelayRule* match_relay_rule(const Snapshot& s, std::string_view sender,
                                  std::string_view recipient) {
    if (auto* r = match_type(s, RelayRule::Type::Recipient, recipient)) return r;
    if (!sender.empty())
        if (auto* r = match_type(s, RelayRule::Type::Sender, sender)) return r;
    for (auto& r : s.relay_rules)
        if (r.enabled && r.type == RelayRule::Type::Default) return &r;
    return nullptr;
}

const Domain* relay_domain_for(const Snapshot& s, std::string_view address) {
    auto it = s.domains.find(to_lower(split_address(address).domain));
    if (it == s.domains.end() || it->second.relay_host.empty()) return nullptr;
    return &it->second;
}

bool valid_relay_host_name(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    std::string h(host);
    if (is_ip_literal(h) || valid_domain(h)) return true;
    // A single label such as "localhost" or "mailhub" (resolved by the system).
    if (host.size() > 63 || host.front() == '-' || host.back() == '-') return false;
    for (char c : host)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return false;
    return true;
}

std::optional<RelayHost> parse_relay_host(std::string_view text) {
    text = trim(text);
    RelayHost out;
    std::string_view host = text, port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = text.substr(1, close - 1);
        auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port = rest.substr(1);
            if (port.empty()) return std::nullopt;
        }
    } else if (auto colon = text.find(':'); colon != std::string_view::npos) {
        if (text.find(':', colon + 1) != std::string_view::npos) {
            // A bare IPv6 address without a port.
            host = text;
        } else {
            host = text.substr(0, colon);
            port = text.substr(colon + 1);
            if (port.empty()) return std::nullopt;
        }
    }
    out.host = to_lower(host);
    if (!valid_relay_host_name(out.host)) return std::nullopt;
    if (!port.empty()) {
        int v = 0;
        auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
        if (ec != std::errc() || p != port.data() + port.size() || v < 1 || v > 65535)
            return std::nullopt;
        out.port = v;
    }
    return out;
}

}  // namespace magpie::store
