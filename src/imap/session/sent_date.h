// The "sent date" of a message (RFC 5256 §2.2): its Date: header field (RFC 5322 §3.3,
// with the obsolete forms of §4.3) read leniently, for SENT* search keys, SORT and THREAD.
#pragma once
#include <optional>
#include <string_view>
#include <vector>

#include "imap/proto/datetime.h"
#include "mime/header.h"

namespace magpie::imap {

// Parses "Tue, 1 Jul 2003 10:52:37 +0200 (CEST)". A missing time is midnight; a missing
// or unknown zone is UTC. nullopt without a valid day, month and year.
std::optional<DateTime> parse_rfc5322_date(std::string_view value);

// The first Date: field of a header, parsed; nullopt when absent or unreadable.
std::optional<DateTime> header_date(const std::vector<mime::HeaderField>& fields);

}  // namespace magpie::imap
