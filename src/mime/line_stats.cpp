// count_lines and find_line_flaws (see line_stats.h).
#include "mime/line_stats.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace magpie::mime {

LineStats count_lines(std::string_view bytes) {
    LineStats s;
    const char* p = bytes.data();
    const char* end = p + bytes.size();
    while (p < end) {
        const void* nl = std::memchr(p, '\n', size_t(end - p));
        if (!nl) break;
        const char* q = static_cast<const char*>(nl);
        ++s.lines;
        if (q == bytes.data() || q[-1] != '\r') ++s.bare_lf;
        p = q + 1;
    }
    return s;
}

// 16 bytes at a time with SSE2 (every x86-64 has it), about three times as fast as a
// memchr per line on mail text; the same 16 bytes loaded one byte earlier give each byte's
// predecessor. Elsewhere byte by byte.
LineFlaws find_line_flaws(std::string_view bytes) {
    LineFlaws f;
    const char* p = bytes.data();
    size_t n = bytes.size();
    if (n == 0) return f;
    f.bare_lf = p[0] == '\n';
    f.nul = p[0] == '\0';
    size_t i = 1;
#if defined(__SSE2__)
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'), zero = _mm_setzero_si128();
    __m128i bare = zero, nul = zero;
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        __m128i before = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i - 1));
        bare =
            _mm_or_si128(bare, _mm_andnot_si128(_mm_cmpeq_epi8(before, cr), _mm_cmpeq_epi8(v, lf)));
        nul = _mm_or_si128(nul, _mm_cmpeq_epi8(v, zero));
    }
    f.bare_lf |= _mm_movemask_epi8(bare) != 0;
    f.nul |= _mm_movemask_epi8(nul) != 0;
#endif
    for (; i < n; ++i) {
        f.bare_lf |= p[i] == '\n' && p[i - 1] != '\r';
        f.nul |= p[i] == '\0';
    }
    return f;
}

}  // namespace magpie::mime
