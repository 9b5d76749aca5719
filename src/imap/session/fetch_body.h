// FETCH BODY[section]<partial> / BODY.PEEK and the RFC 3501 RFC822, RFC822.HEADER and
// RFC822.TEXT items: byte ranges of the stored message sent as literals.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "imap/proto/command.h"
#include "imap/session/fetch_source.h"

namespace magpie::imap::detail {

// "1.2" for part numbers {1, 2}; "" for none.
std::string part_numbers(const std::vector<uint32_t>& part);

// "BODY[1.HEADER.FIELDS (FROM TO)]<10> " and the literal. A part that does not exist, or
// HEADER/TEXT of a part that is no message/rfc822, is sent as "{0}\r\n" (as Dovecot does).
void append_body_section(std::string& out, FetchSource& src, const FetchAtt& att);

// RFC822 (= BODY[]), RFC822.HEADER (= BODY.PEEK[HEADER]), RFC822.TEXT (= BODY[TEXT]).
void append_rfc822(std::string& out, FetchSource& src, FetchAttKind kind);

}  // namespace magpie::imap::detail
