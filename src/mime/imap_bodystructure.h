// IMAP BODY and BODYSTRUCTURE (RFC 9051 §7.5.2, RFC 3501 §7.4.2) from a parsed message.
#pragma once
#include <string>
#include <string_view>

#include "mime/parser.h"

namespace magpie::mime {

// `extended`: BODYSTRUCTURE (with extension data) rather than BODY.
void append_bodystructure(std::string& out, const Message& msg, bool extended);
std::string bodystructure(const Message& msg, bool extended = true);

}  // namespace magpie::mime
