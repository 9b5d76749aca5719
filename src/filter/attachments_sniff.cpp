// The plain-text pre-check: a byte-class scan of the head libmagic would read, then the
// markers of the libmagic 5.44 rules that can match such bytes and lead to an executable or
// archive type (see attachments_sniff.h). Every test is a superset of its rule, so a false
// answer costs a libmagic call, never a missed type.
#include "filter/attachments_sniff.h"

#include <magic.h>

#include <cstdlib>

#include "filter/attachments_magic.h"

namespace magpie::filter {
namespace {

// Rules anchored at offset 0: shell and Node.js "#!" lines, DOS batch "@", the signatures of
// archives and programs made of text bytes (ar, Debian package, cpio, bzip2, lzip, old RAR,
// StuffIt, delta RPM, xar, DOS/PE "MZ", ARJ, Mach-O, Java class, zstd, RPM, DOS COM jumps
// and moves), plus those whose rule goes on to re-run the whole database further in
// (libmagic's "indirect"): Android backup, ClamAV database (both tar), SBM backup, AUDIMG,
// Ulead, PACK, $SDI, Garmin, Easy Transfer, ID3, OS/2 "BA", JPEG, DCX, Norton Ghost.
constexpr std::string_view kPrefixes[] = {
    "#!",
    "@",
    "MZ",
    "BZh",
    "LZIP",
    "RE~^",
    "SIT!",
    "StuffIt",
    "drpm",
    "xar!",
    "!<arch>",
    "<ar>",
    "070707",
    "070701",
    "070702",
    "ANDROID BACKUP",
    "ClamAV-VDB:",
    "SBMBAKUP_",
    "AUDIMG",
    "IIO2H",
    "PACK",
    "$SDI",
    "KpGr",
    "1giM",
    "ID3",
    "BA",
    "`\xea",
    "q\xc7",
    "\xe9",
    "\xeb",
    "\x8c",
    "\xb8",
    "\x81\xfc",
    "\xc7q",
    "\xca\xfe\xba\xbe",
    "\xce\xfa\xed\xfe",
    "\xcf\xfa\xed\xfe",
    "\xfe\xed\xfa\xce",
    "\xfe\xed\xfa\xcf",
    "\xed\xab\xee\xdb",
    "\xff\xd8\xff",
    "\xb1h\xde:",
    "\xfe\xef",
};

constexpr std::string_view kBinaryAnywhere[] = {"\xcd!", "\xfcW\xf3", "\x88\xf0"};

// Text rules at offset 0, which libmagic runs on the text without a UTF-8 byte order mark.
constexpr std::string_view kTextPrefixes[] = {"#!", "@"};
constexpr std::string_view kBom = "\xef\xbb\xbf";

// JavaScript rules (regex and search over the text): "use strict" (both quotes),
// `module(\.|\[["'])exports.*=`, `^(const|var|let).*=.*require\(`, `^require\(["']`,
// `\((async )?function[( ]`, `typeof.*[!=]==`, __BUNDLE_START_TIME__=.
constexpr std::string_view kAnywhere[] = {
    "use strict",
    "exports",
    "require(",
    "(function",
    "(async function",
    "typeof",
    "__BUNDLE_START_TIME__",
};

// `^(import|export).* from `, `^(import|export) ["']\./`, `^export (function|...) `: at the
// start of any line (libmagic compiles them with REG_NEWLINE).
constexpr std::string_view kLineStart[] = {"import", "export"};

// Printable ASCII, tab, LF, FF, CR and any byte from 0x80: UTF-8 or an 8-bit charset, which
// libmagic takes for text too (its "extended ASCII"); no NUL or other control byte.
bool plain_bytes(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 ? (c != '\t' && c != '\n' && c != '\f' && c != '\r') : c == 0x7f) return false;
    return true;
}

bool has_marker_at(std::string_view s, size_t offset, std::string_view m) {
    return s.size() > offset && s.substr(offset).starts_with(m);
}

// libmagic's tar test (is_tar.c) needs a 512-byte header whose checksum field, after
// leading white space, holds octal digits.
bool maybe_tar(std::string_view s) {
    if (s.size() < 512) return false;
    std::string_view field = s.substr(148, 8);
    size_t i = 0;
    while (i < field.size() && (field[i] == ' ' || (field[i] >= '\t' && field[i] <= '\r'))) ++i;
    return i < field.size() && field[i] >= '0' && field[i] <= '7';
}

bool at_line_start(std::string_view s, std::string_view word) {
    for (size_t pos = s.find(word); pos != std::string_view::npos; pos = s.find(word, pos + 1))
        if (pos == 0 || s[pos - 1] == '\n' || s[pos - 1] == '\r') return true;
    return false;
}

}  // namespace

bool plain_text_without_markers_544(std::string_view bytes) {
    if (bytes.empty()) return false;
    std::string_view head = bytes.substr(0, kMagicTextBytes);
    if (!plain_bytes(head)) return false;
    for (auto m : kPrefixes)
        if (head.starts_with(m)) return false;
    // lha/lzh "-lh?-", "-lz?-", "-pm?-" at 2; zstd "\xb5/\xfd" at 1; ACE at 7; DR-DOS COM
    // message at 252.
    if ((has_marker_at(head, 2, "-") && has_marker_at(head, 6, "-")) ||
        has_marker_at(head, 1, "\xb5/\xfd") || has_marker_at(head, 7, "**ACE**") ||
        has_marker_at(head, 252, "Must have DOS version"))
        return false;
    // DOS COM "\xcd!" (int 21h) at 2 to 70 and "\xfcW\xf3" searched from 6; SZDD at 4 and
    // searched from 1: anywhere.
    for (auto m : kBinaryAnywhere)
        if (head.find(m) != std::string_view::npos) return false;
    std::string_view text = head.starts_with(kBom) ? head.substr(kBom.size()) : head;
    for (auto m : kTextPrefixes)
        if (text.starts_with(m)) return false;
    for (auto m : kAnywhere)
        if (text.find(m) != std::string_view::npos) return false;
    for (auto w : kLineStart)
        if (at_line_start(text, w)) return false;
    return !maybe_tar(head);
}

bool text_shortcut_available() {
    // The markers hold for the database shipped with 5.44; $MAGIC would load another one.
    static const bool available = magic_version() == 544 && !std::getenv("MAGIC");
    return available;
}

bool plain_text_without_markers(std::string_view bytes) {
    return text_shortcut_available() && plain_text_without_markers_544(bytes);
}

}  // namespace magpie::filter
