// Pre-classification before libmagic: plain text that libmagic cannot call an executable or
// an archive is recognised here, in one pass over the bytes libmagic would read, and skips
// libmagic (0.2-0.5 ms per part). Only a shortcut to a "nothing to report" answer: it never
// names a type, so it is used only when no custom types are blocked (filter_block_types),
// which may name any type libmagic gives to text.
//
// The markers come from libmagic's database, file 5.44 (bench/filter/magic_text_rules.py
// lists every rule of magic.mgc that can match plain text and leads to a type of
// attachments_types.cpp): script "#!" lines, DOS batch "@", the JavaScript rules' tokens,
// archive and program signatures made of such bytes (ar, cpio, bzip2, lzip, lha, Mach-O,
// DOS COM, ...), "MZ", and a possible tar header checksum. With any other libmagic version,
// or another database ($MAGIC), the shortcut is off.
#pragma once
#include <string_view>

namespace magpie::filter {

// True when `bytes` (a whole file) are plain text — libmagic would be given only their
// first kMagicTextBytes (attachments_magic.h) and those are printable ASCII, tab, CR, LF,
// FF or bytes from 0x80 (UTF-8 or an 8-bit charset) — carrying none of the markers above.
// False means "ask libmagic".
bool plain_text_without_markers(std::string_view bytes);

// The pure check, whatever the libmagic version (for tests).
bool plain_text_without_markers_544(std::string_view bytes);

// Whether plain_text_without_markers may answer: libmagic is version 5.44 with its own
// database ($MAGIC not set).
bool text_shortcut_available();

}  // namespace magpie::filter
