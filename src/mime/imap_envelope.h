// IMAP ENVELOPE (RFC 9051 §7.5.2, RFC 3501 §7.4.2) built from a message header.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "mime/header.h"

namespace magpie::mime {

// Appends "(date subject from sender reply-to to cc bcc in-reply-to message-id)".
void append_envelope(std::string& out, const std::vector<HeaderField>& header);
std::string envelope(const std::vector<HeaderField>& header);

}  // namespace magpie::mime
