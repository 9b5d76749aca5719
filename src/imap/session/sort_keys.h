// Header facts SORT and THREAD order by (RFC 5256 §2): the header block read without a
// MIME parse, the sent date, the decoded subject and the first address of a field.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "imap/session/message.h"
#include "mime/address.h"
#include "mime/header.h"

namespace magpie::imap {

// The message's header fields; views into msg.bytes(), valid until msg.release().
std::vector<mime::HeaderField> read_header(MessageData& msg);

// RFC 5256 §2.2: the Date: field in UTC, else the internal date.
int64_t sent_date(const std::vector<mime::HeaderField>& fields, int64_t internal_date);

// The first `name` field decoded to UTF-8 (RFC 2047) and trimmed; "" when absent.
std::string decoded_field(const std::vector<mime::HeaderField>& fields, std::string_view name);

// The first address of the first `name` field; false when none. A group comes first as its
// start marker (group_start, the group's name in `mailbox`), as in the ENVELOPE (RFC 9051
// §7.5.2), so "To: team: a@b, c@d;" and "To: empty:;" sort by "team" and "empty".
bool first_address(const std::vector<mime::HeaderField>& fields, std::string_view name,
                   mime::Address& out);

}  // namespace magpie::imap
