// Syntax of the names the directory holds: email addresses, domain names, local parts and
// login/group/mailbox names. Syntax only; whether a name exists is the directory's business.
#pragma once
#include <string>
#include <string_view>

namespace magpie::store {

// Splits at the last '@'; `domain` is empty when there is none.
struct AddressParts {
    std::string_view local;
    std::string_view domain;
};
AddressParts split_address(std::string_view address);

// RFC 1035 host name: dot-separated labels of letters, digits and inner hyphens, at least
// two labels, 253 characters at most.
bool valid_domain(std::string_view domain);
// RFC 5322 dot-atom local part, 64 characters at most.
bool valid_local_part(std::string_view local);
// local@domain with both parts valid.
bool valid_email(std::string_view address);
// User, group and public mailbox names: 1-64 of [a-z0-9._-], starting with a letter or digit.
bool valid_name(std::string_view name);

// Lower-cases the domain and keeps the local part as given.
std::string normalize_remote(std::string_view address);

}  // namespace magpie::store
