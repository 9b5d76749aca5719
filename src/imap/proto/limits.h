// IMAP protocol limits: every bound the reader and parser enforce, as named constants.
// Defaults; the server may pass tighter values through ReaderLimits.
#pragma once
#include <cstddef>
#include <cstdint>

namespace magpie::imap {

// Bytes in one command line, literal data excluded (RFC 7162 §4 asks for at least 8192).
inline constexpr size_t kMaxLineLength = 65536;
// Bytes in one whole command, literal data included (an APPEND's messages count here).
inline constexpr size_t kMaxCommandSize = 64u << 20;
// Largest single literal a client may announce.
inline constexpr size_t kMaxLiteralSize = 64u << 20;
// RFC 7888 §5: LITERAL- allows non-synchronizing literals of at most 4096 bytes.
inline constexpr size_t kMaxLiteralMinus = 4096;
// Parenthesis nesting (SEARCH NOT/OR chains, BODY[...] lists).
inline constexpr int kMaxNestingDepth = 64;
// Literals in one command (MULTIAPPEND counts one per message).
inline constexpr int kMaxLiteralsPerCommand = 1000;
// Bytes in a tag; a longer one is unreadable and errors are reported untagged.
inline constexpr size_t kMaxTagLength = 64;
// Ranges in one sequence set.
inline constexpr size_t kMaxSeqRanges = 100000;
// Search keys in one SEARCH/SORT/THREAD program.
inline constexpr size_t kMaxSearchKeys = 10000;
// Fetch attributes in one FETCH.
inline constexpr size_t kMaxFetchAtts = 1000;
// Header field names in one BODY[HEADER.FIELDS (...)].
inline constexpr size_t kMaxHeaderFields = 1000;
// Part numbers in one section spec (1.2.3...).
inline constexpr size_t kMaxSectionDepth = 100;
// Mailbox name bytes after decoding.
inline constexpr size_t kMaxMailboxName = 1024;
// ID parameters (RFC 2971 §3.3: at most 30 pairs).
inline constexpr size_t kMaxIdParams = 30;

}  // namespace magpie::imap
