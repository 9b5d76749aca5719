// Where a remote target goes next: a relay rule's host (recipient, then sender, then the
// default rule), a relay domain's host, or the recipient domain's MX hosts. Targets with
// equal routes share one SMTP connection. Pure: no DNS, no sockets.
#pragma once
#include <string>
#include <string_view>

#include "store/directory.h"

namespace magpie::queue {

struct Route {
    enum class Kind { Mx, Relay };
    Kind kind = Kind::Mx;
    std::string domain;  // Mx: the recipient domain to look up
    std::string host;    // Relay: the fixed next hop
    int port = 25;
    std::string username, password;  // AUTH for the next hop, when set
    bool tls_required = false;       // STARTTLS with a verified certificate, or defer
    std::string rule;                // what chose it, for logs: "mx", "relay rule 3", "relay domain"

    // Routes with the same key can share a connection.
    std::string key() const;
};

// `mx_port` is the port used for MX delivery (25 unless a test or a firewall says otherwise).
Route route_for(const store::Snapshot& s, std::string_view sender, std::string_view rcpt, int mx_port);

}  // namespace magpie::queue
