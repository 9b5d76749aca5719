// BODY[HEADER.FIELDS (...)] and BODY[HEADER.FIELDS.NOT (...)] (RFC 9051 §6.4.5): the
// chosen fields of a header, each with its folded lines, then the blank line (for .NOT
// only when the header had one, as Dovecot does).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "mime/header.h"

namespace magpie::imap::detail {

// `header` is the header block (blank line included, if any) starting at message offset
// `header_start`; `fields` are its parsed fields; `names` are upper-case. With `exclude`,
// every line but the named fields' is kept. Appends raw bytes (line ends as stored).
void filter_header(std::string& out, std::string_view msg, size_t header_start, size_t header_end,
                   const std::vector<mime::HeaderField>& fields,
                   const std::vector<std::string>& names, bool exclude);

}  // namespace magpie::imap::detail
