// POP3 protocol limits: every bound the session and the server enforce, as named constants.
#pragma once
#include <cstddef>
#include <cstdint>

namespace magpie::pop3 {

// RFC 2449 §4: a command line is at most 255 octets including CRLF. We accept 255 octets
// before the CRLF (liberal by two) and answer -ERR above that.
inline constexpr size_t kMaxCommandLine = 255;
// A SASL response line (RFC 5034 §4 puts no limit on it; PLAIN/LOGIN need little).
inline constexpr size_t kMaxSaslLine = 8192;
// Unknown, malformed or out-of-state commands before "-ERR Too many bad commands" and close.
inline constexpr int kMaxBadCommands = 20;
// Bytes read from a message file and written to the client per step of RETR/TOP.
inline constexpr size_t kSendChunk = 64 * 1024;
// Message sizes remembered across sessions (see SizeCache); the cache starts over above it.
inline constexpr size_t kSizeCacheEntries = 200000;

}  // namespace magpie::pop3
