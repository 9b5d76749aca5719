// Recipient resolution on a directory Snapshot: the RCPT-time check and the expansion of
// accepted recipients into final delivery targets (mailboxes, public mailboxes, remote
// addresses) through addresses, groups, wildcards, forwards, catch-all, hidden copies and
// the always-BCC. Pure functions: no I/O.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "store/directory.h"

namespace magpie::store {

enum class RcptStatus {
    Ok,              // a local recipient (or catch-all)
    Unknown,         // local domain, no such recipient: 550 5.1.1
    Disabled,        // user's mail access is off: 550 5.2.1
    InternalOnly,    // internal address and the sender is outside: 550 5.7.1
    NotLocalDomain,  // relaying decision is the caller's
};

// `inside` is true for authenticated sessions and trusted/relay-from networks.
RcptStatus check_recipient(const Snapshot& s, std::string_view address, bool inside);
bool is_local_domain(const Snapshot& s, std::string_view domain);

struct Target {
    enum class Kind { Mailbox, Public, Remote };
    Kind kind;
    std::string name;  // user name, public mailbox name, or remote email address
    int rcpt = -1;     // index of the envelope recipient it came from; -1 for hidden copies/BCC
    bool operator==(const Target& o) const { return kind == o.kind && name == o.name; }
};

// Expands the envelope recipients of one accepted message into deduplicated targets.
// Expansion depth is bounded (loops and deep chains end, never hang).
std::vector<Target> expand_recipients(const Snapshot& s, const std::vector<std::string>& rcpts);

// Whether mail to `address` reaches `user`'s own mailbox (for enforce_sender_login_match).
bool address_reaches_user(const Snapshot& s, std::string_view address, std::string_view user);

}  // namespace magpie::store
