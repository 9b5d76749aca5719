// The canonical form the DNS checks compare and query domain names in: A-labels, lower
// case, no trailing dot, and the RFC 1035 length limits (shared by DMARC and URIBL).
#pragma once
#include <string>
#include <string_view>

namespace magpie::filter {

// "Mail.Bücher.DE." -> "mail.xn--bcher-kva.de". "" when the name is empty, not valid
// UTF-8, has an empty label, a label over 63 octets, more than 253 octets in all, or a
// character other than a letter, digit, '-' or '_' (underscores occur in real names).
std::string normalise_domain(std::string_view name);

}  // namespace magpie::filter
