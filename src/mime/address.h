// RFC 5322 §3.4 address lists: mailboxes, groups, obsolete routes, quoted local parts,
// comments, UTF-8 (RFC 6532) and IDN domains.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace magpie::mime {

// One entry of an address list, in the flat form IMAP uses (RFC 9051 §7.5.2): a group
// is a `group_start` entry carrying the group name in `mailbox`, its members, then a
// `group_end` entry.
struct Address {
    std::string name;     // display name as written: quotes removed, encoded words kept
    std::string route;    // obsolete source route "@a,@b" (RFC 5322 §4.4)
    std::string mailbox;  // local part, unquoted
    std::string host;     // domain, or "[literal]"
    bool group_start = false;
    bool group_end = false;

    // "local@domain", the local part quoted when it needs to be (RFC 5322 §3.4.1).
    std::string addr_spec() const;
    // Display name with RFC 2047 words decoded, in UTF-8.
    std::string display_name() const;
};

// Bound on entries parsed from one header (a longer list is truncated).
constexpr size_t kMaxAddresses = 10000;

std::vector<Address> parse_address_list(std::string_view raw);

// RFC 3492 / RFC 5891: "xn--" labels of a domain turned to UTF-8; others kept as they are.
std::string domain_to_utf8(std::string_view domain);

}  // namespace magpie::mime
