// Relay rules (NethServer's "Relay" page): which smarthost carries a remote message, chosen
// by recipient, then by sender, then the default rule; and relay domains, whose mail goes
// to a fixed next hop instead of local mailboxes. Pure functions over a Snapshot: no I/O.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace magpie::store {

struct Snapshot;
struct Domain;

struct RelayRule {
    int64_t id = 0;
    enum class Type { Recipient, Sender, Default } type = Type::Default;
    std::string pattern;  // "user@domain" or "domain" (lower case); empty for Default
    std::string host;     // connected to directly (A/AAAA, no MX lookup); lower case
    int port = 25;
    std::string username, password;  // SMTP AUTH when username is not empty
    bool tls_required = false;       // refuse to send without STARTTLS
    bool enabled = true;
};

// "recipient" / "sender" / "default"
const char* relay_type_name(RelayRule::Type t);
std::optional<RelayRule::Type> parse_relay_type(std::string_view name);

// The rule that carries mail from `sender` to `recipient`, or nullptr (deliver by MX).
// Order: recipient rules, then sender rules, then the default rule; disabled rules are
// skipped. Within a type an exact address pattern beats a domain pattern. A domain pattern
// "example.org" matches addresses @example.org only, not @sub.example.org (as NethServer).
// Comparison is case-insensitive; the null sender matches no sender rule.
const RelayRule* match_relay_rule(const Snapshot& s, std::string_view sender,
                                  std::string_view recipient);

// The relay domain `address` belongs to (its Domain has a non-empty relay_host), or nullptr.
const Domain* relay_domain_for(const Snapshot& s, std::string_view address);

// "host", "host:port", "[host]:port" or "[ipv6]:port" (port 1-65535, default 25). The host
// comes back without brackets, lower case. nullopt when malformed.
struct RelayHost {
    std::string host;
    int port = 25;
};
std::optional<RelayHost> parse_relay_host(std::string_view text);
// A relay host name: a domain name, a single label (e.g. "localhost"), or an IP literal.
bool valid_relay_host_name(std::string_view host);

}  // namespace magpie::store
