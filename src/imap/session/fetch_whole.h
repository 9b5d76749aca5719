// BODY[] of a whole message read from its file straight into the response buffer (one
// copy fewer than loading the message first), for FETCHes whose only file item it is.
#pragma once
#include <string>

namespace magpie::imap::detail {

// Appends the literal of the file at `path` (CRLF line ends, NUL as 0x80: the rules of
// fetch_literal.h) to `out`. False, with `out` unchanged, when the file cannot be opened
// or is too large to read whole: the caller then goes the usual way.
bool append_whole_file_literal(std::string& out, const std::string& path);

}  // namespace magpie::imap::detail
