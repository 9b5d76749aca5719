// Next-hop selection for remote targets (NethServer relay rules, relay domains, MX).
#include "queue/route.h"

#include <fmt/format.h>

#include <functional>

#include "core/config.h"
#include "core/strings.h"
#include "store/relay_rules.h"

namespace magpie::queue {

std::string Route::key() const {
    if (kind == Kind::Mx) return fmt::format("mx:{}:{}:{}", domain, port, tls_required);
    // The password is part of it so that changed credentials never reuse an old session.
    return fmt::format("relay:{}:{}:{}:{}:{:x}", host, port, username, tls_required,
                       std::hash<std::string>{}(password));
}

Route route_for(const store::Snapshot& s, std::string_view sender, std::string_view rcpt, int mx_port) {
    Route r;
    if (const store::RelayRule* rule = store::match_relay_rule(s, sender, rcpt)) {
        r.kind = Route::Kind::Relay;
        r.host = to_lower(rule->host);
        r.port = rule->port;
        r.username = rule->username;
        r.password = rule->password;
        r.tls_required = rule->tls_required;
        r.rule = fmt::format("relay rule {}", rule->id);
        return r;
    }
    if (const store::Domain* d = store::relay_domain_for(s, rcpt)) {
        r.kind = Route::Kind::Relay;
        r.port = 25;
        if (auto hp = parse_host_port(d->relay_host)) {
            r.host = to_lower(hp->host);
            r.port = hp->port;
        } else {
            r.host = to_lower(d->relay_host);
        }
        r.rule = "relay domain " + d->name;
        return r;
    }
    auto at = rcpt.rfind('@');
    r.domain = to_lower(at == std::string_view::npos ? std::string_view() : rcpt.substr(at + 1));
    r.port = mx_port;
    r.rule = "mx";
    return r;
}

}  // namespace magpie::queue
