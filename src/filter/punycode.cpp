// Punycode encoder (RFC 3492 §6.3) and the per-label A-label conversion of domain names.
// Limits: a label of more than kMaxLabelCodePoints code points is refused before encoding.
#include "filter/punycode.h"

#include <cstdint>
#include <limits>

namespace magpie::filter {
namespace {

// RFC 3492 §5: the Bootstring parameters for Punycode.
constexpr uint32_t kBase = 36, kTMin = 1, kTMax = 26, kSkew = 38, kDamp = 700;
constexpr uint32_t kInitialBias = 72, kInitialN = 0x80;
constexpr size_t kMaxLabelCodePoints = 255;  // DNS labels are 63 octets; leave room to refuse

char digit(uint32_t d) {
    return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26));
}

// RFC 3492 §6.1 bias adaptation.
uint32_t adapt(uint32_t delta, uint32_t points, bool first) {
    delta = first ? delta / kDamp : delta / 2;
    delta += delta / points;
    uint32_t k = 0;
    while (delta > ((kBase - kTMin) * kTMax) / 2) {
        delta /= kBase - kTMin;
        k += kBase;
    }
    return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
}

// Decodes one UTF-8 sequence at `s[i]`; false on a malformed, overlong or surrogate one.
bool next_code_point(std::string_view s, size_t& i, char32_t& cp) {
    auto b = static_cast<unsigned char>(s[i]);
    size_t len = b < 0x80           ? 1
                 : (b >> 5) == 0x6  ? 2
                 : (b >> 4) == 0xE  ? 3
                 : (b >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || i + len > s.size()) return false;
    cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    for (size_t k = 1; k < len; ++k) {
        auto c = static_cast<unsigned char>(s[i + k]);
        if ((c & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
    return true;
}

bool is_full_stop(char32_t cp) {
    return cp == '.' || cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61;
}

// Appends one label: lower-cased ASCII as is, anything else as "xn--" + Punycode.
bool append_label(std::u32string_view label, std::string& out) {
    bool ascii = true;
    for (char32_t c : label) ascii = ascii && c < 0x80;
    if (ascii) {
        for (char32_t c : label) out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
        return true;
    }
    if (label.size() > kMaxLabelCodePoints) return false;
    std::u32string lower(label);
    for (char32_t& c : lower)
        if (c >= 'A' && c <= 'Z') c += 32;
    out += "xn--";
    return punycode_encode(lower, out);
}

}  // namespace

bool punycode_encode(std::u32string_view input, std::string& out) {
    constexpr uint32_t kMax = std::numeric_limits<uint32_t>::max();
    uint32_t n = kInitialN, delta = 0, bias = kInitialBias;
    uint32_t basic = 0;
    for (char32_t c : input) {
        if (c < 0x80) {
            out += static_cast<char>(c);
            ++basic;
        }
    }
    if (input.size() > kMax) return false;
    const auto total = static_cast<uint32_t>(input.size());
    if (basic > 0) out += '-';
    uint32_t handled = basic;
    while (handled < total) {
        // The smallest code point not yet handled (RFC 3492 §6.3).
        uint32_t m = kMax;
        for (char32_t c : input)
            if (c >= n && c < m) m = c;
        if (m - n > (kMax - delta) / (handled + 1)) return false;
        delta += (m - n) * (handled + 1);
        n = m;
        for (char32_t c : input) {
            if (c < n && ++delta == 0) return false;
            if (c != n) continue;
            uint32_t q = delta;
            for (uint32_t k = kBase;; k += kBase) {
                uint32_t t = k <= bias ? kTMin : k >= bias + kTMax ? kTMax : k - bias;
                if (q < t) break;
                out += digit(t + (q - t) % (kBase - t));
                q = (q - t) / (kBase - t);
            }
            out += digit(q);
            bias = adapt(delta, handled + 1, handled == basic);
            delta = 0;
            ++handled;
        }
        ++delta;
        ++n;
    }
    return true;
}

std::string domain_to_ascii(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    std::u32string label;
    for (size_t i = 0; i < name.size();) {
        char32_t cp = 0;
        if (!next_code_point(name, i, cp)) return {};
        if (is_full_stop(cp)) {
            if (!append_label(label, out)) return {};
            out += '.';
            label.clear();
        } else {
            label += cp;
        }
    }
    if (!append_label(label, out)) return {};
    return out;
}

}  // namespace magpie::filter
