// FETCH BINARY[part]<partial>, BINARY.PEEK and BINARY.SIZE[part] (RFC 3516, RFC 9051
// §6.4.5): a part with its Content-Transfer-Encoding undone.
#pragma once
#include <string>

#include "imap/proto/command.h"
#include "imap/session/fetch.h"
#include "imap/session/fetch_source.h"

namespace magpie::imap::detail {

// Leaves are decoded (base64, quoted-printable; 7bit/8bit/binary as stored, bare LF sent
// as CRLF). BINARY[] and multipart or message/rfc822 parts are sent as stored, since their
// encoding is an identity. A part that does not exist is empty (size 0). An unknown encoding
// gives FetchError::UnknownCte; `out` may then hold a partial item.
FetchError append_binary(std::string& out, FetchSource& src, const FetchAtt& att);

}  // namespace magpie::imap::detail
