// Simple case folding after Unicode's CaseFolding.txt (status C and S entries) for the
// blocks mail in European scripts uses; other scripts are compared as written.
#include "imap/session/casefold.h"

#include <cstdint>
#include <cstring>

namespace magpie::imap {

namespace {

// Upper-case letters at even code points in [lo, hi] fold to the next code point.
bool even_pair(char32_t c, char32_t lo, char32_t hi) {
    return c >= lo && c <= hi && (c - lo) % 2 == 0;
}

char32_t fold_latin(char32_t c) {
    if (c == 0xB5) return 0x3BC;  // micro sign
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
    if (c == 0x130) return 'i';
    if (c == 0x178) return 0xFF;
    if (c == 0x17F) return 's';
    if (even_pair(c, 0x100, 0x12E) || even_pair(c, 0x132, 0x136) || even_pair(c, 0x14A, 0x176))
        return c + 1;
    if (even_pair(c, 0x139, 0x147) || even_pair(c, 0x179, 0x17D)) return c + 1;
    if (c == 0x1C4 || c == 0x1C7 || c == 0x1CA || c == 0x1F1) return c + 2;
    if (c == 0x1C5 || c == 0x1C8 || c == 0x1CB || c == 0x1F2) return c + 1;
    if (even_pair(c, 0x1CD, 0x1DB) || c == 0x1AF) return c + 1;
    if (even_pair(c, 0x1A0, 0x1A4) || even_pair(c, 0x1DE, 0x1EE) || even_pair(c, 0x1F8, 0x21E) ||
        even_pair(c, 0x222, 0x232) || even_pair(c, 0x246, 0x24E))
        return c + 1;
    return c;
}

char32_t fold_greek_cyrillic(char32_t c) {
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
    if (c == 0x3C2) return 0x3C3;  // final sigma
    if (even_pair(c, 0x3D8, 0x3EE)) return c + 1;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (even_pair(c, 0x460, 0x480) || even_pair(c, 0x48A, 0x4BE) || even_pair(c, 0x4D0, 0x52E))
        return c + 1;
    if (c == 0x4C0) return 0x4CF;
    if (c >= 0x4C1 && c <= 0x4CD && c % 2 == 1) return c + 1;
    if (c >= 0x531 && c <= 0x556) return c + 48;  // Armenian
    return c;
}

char32_t fold_other(char32_t c) {
    if (even_pair(c, 0x1E00, 0x1E94) || even_pair(c, 0x1EA0, 0x1EFE)) return c + 1;
    if (c == 0x1E9E) return 0xDF;                   // capital sharp s
    if (c == 0x212A) return 'k';                    // Kelvin sign
    if (c == 0x212B) return 0xE5;                   // Angstrom sign
    if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;  // fullwidth Latin
    return c;
}

char32_t fold_cp(char32_t c) {
    if (c < 0x250) return fold_latin(c);
    if (c < 0x590) return fold_greek_cyrillic(c);
    return fold_other(c);
}

bool cont(unsigned char b) {
    return (b & 0xC0) == 0x80;
}

// UTF-8 of a folded code point (below U+10000: folding stays in the BMP).
char* encode(char32_t c, char* dst) {
    if (c < 0x80) {
        *dst++ = char(c);
    } else if (c < 0x800) {
        *dst++ = char(0xC0 | (c >> 6));
        *dst++ = char(0x80 | (c & 0x3F));
    } else {
        *dst++ = char(0xE0 | (c >> 12));
        *dst++ = char(0x80 | ((c >> 6) & 0x3F));
        *dst++ = char(0x80 | (c & 0x3F));
    }
    return dst;
}

// Lower-cases 8 ASCII bytes at once (no byte of `w` has its high bit set).
uint64_t lower_ascii8(uint64_t w) {
    constexpr uint64_t kOnes = 0x0101010101010101ull;
    uint64_t above_z = w + kOnes * (0x7F - 'Z');
    uint64_t from_a = w + kOnes * (0x80 - 'A');
    uint64_t upper = from_a & ~above_z & kOnes * 0x80;
    return w | upper >> 2;
}

}  // namespace

void fold_append(std::string_view in, std::string& out) {
    // No folding lengthens a character, so the output fits in in.size() bytes.
    size_t base = out.size();
    out.resize(base + in.size());
    char* dst = out.data() + base;
    const auto* s = reinterpret_cast<const unsigned char*>(in.data());
    size_t n = in.size();
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            std::memcpy(&w, s + i, 8);
            if ((w & 0x8080808080808080ull) == 0) {
                w = lower_ascii8(w);
                std::memcpy(dst, &w, 8);
                dst += 8;
                i += 8;
                continue;
            }
        }
        unsigned char b = s[i];
        if (b < 0x80) {
            *dst++ = b >= 'A' && b <= 'Z' ? char(b + 32) : char(b);
            ++i;
            continue;
        }
        char32_t cp;
        size_t len;
        if (b >= 0xC2 && b <= 0xDF && i + 1 < n && cont(s[i + 1])) {
            cp = char32_t(b & 0x1F) << 6 | (s[i + 1] & 0x3F);
            len = 2;
        } else if (b >= 0xE0 && b <= 0xEF && i + 2 < n && cont(s[i + 1]) && cont(s[i + 2])) {
            cp = char32_t(b & 0x0F) << 12 | char32_t(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F);
            len = 3;
        } else {
            *dst++ = char(b);
            ++i;
            continue;
        }
        char32_t f = fold_cp(cp);
        if (f == cp) {
            std::memcpy(dst, s + i, len);
            dst += len;
        } else {
            dst = encode(f, dst);
        }
        i += len;
    }
    out.resize(size_t(dst - out.data()));
}

}  // namespace magpie::imap
