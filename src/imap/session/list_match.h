// LIST patterns (RFC 9051 §6.3.9): "*" matches anything, "%" anything but the hierarchy
// delimiter "."; INBOX matches in any case.
#pragma once
#include <string>
#include <string_view>

namespace magpie::imap {

// The pattern with a leading "inbox" (any case, alone or before ".") written "INBOX".
std::string canonical_pattern(std::string_view pattern);
bool list_match(std::string_view pattern, std::string_view name);

}  // namespace magpie::imap
