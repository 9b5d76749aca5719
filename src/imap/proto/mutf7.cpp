// Modified UTF-7 mailbox names (RFC 3501 §5.1.3, RFC 9051 §5.1.3) and UTF-8 name checks.
#include "imap/proto/mutf7.h"

#include <cstdint>

namespace magpie::imap {

namespace {

// RFC 3501 §5.1.3: modified BASE64 uses "," instead of "/".
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == ',') return 63;
    return -1;
}

void put_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// Next code point of valid UTF-8 at s[i]; advances i. -1 when invalid.
int64_t next_utf8(std::string_view s, size_t& i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
        ++i;
        return c;
    }
    int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || c > 0xF4 || i + len > s.size()) return -1;
    uint32_t cp = c & (0x3F >> (len - 1));
    for (int k = 1; k < len; ++k) {
        auto d = static_cast<unsigned char>(s[i + k]);
        if ((d & 0xC0) != 0x80) return -1;
        cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    i += len;
    return cp;
}

}  // namespace

std::optional<std::string> decode_mutf7(std::string_view in) {
    std::string out;
    size_t i = 0;
    while (i < in.size()) {
        auto c = static_cast<unsigned char>(in[i]);
        if (c < 0x20 || c > 0x7E) return std::nullopt;  // RFC 3501 §5.1.3: 7-bit printable only
        if (c != '&') {
            out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        size_t end = in.find('-', i + 1);
        if (end == std::string_view::npos) return std::nullopt;
        if (end == i + 1) {  // "&-" is "&"
            out.push_back('&');
            i = end + 1;
            continue;
        }
        uint32_t bits = 0;
        int nbits = 0;
        uint32_t high = 0;  // pending high surrogate
        for (size_t k = i + 1; k < end; ++k) {
            int v = b64_value(in[k]);
            if (v < 0) return std::nullopt;
            bits = (bits << 6) | static_cast<uint32_t>(v);
            nbits += 6;
            if (nbits < 16) continue;
            nbits -= 16;
            uint32_t unit = (bits >> nbits) & 0xFFFF;
            bits &= (1u << nbits) - 1;
            if (high != 0) {
                if (unit < 0xDC00 || unit > 0xDFFF) return std::nullopt;
                put_utf8(out, 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00));
                high = 0;
            } else if (unit >= 0xD800 && unit <= 0xDBFF) {
                high = unit;
            } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
                return std::nullopt;
            } else if (unit >= 0x20 && unit <= 0x7E) {
                return std::nullopt;  // RFC 3501 §5.1.3: printable US-ASCII must not be encoded
            } else if (unit < 0x20 || unit == 0x7F) {
                return std::nullopt;  // no NUL or controls in names, encoded or not
            } else {
                put_utf8(out, unit);
            }
        }
        if (high != 0 || nbits >= 6 || bits != 0) return std::nullopt;  // leftover must be zero pad
        i = end + 1;
        // RFC 3501 §5.1.3 asks for one shift per run: "&AGE-&AGE-" is not canonical.
        if (i < in.size() && in[i] == '&' && i + 1 < in.size() && in[i + 1] != '-')
            return std::nullopt;
    }
    return out;
}

std::string encode_mutf7(std::string_view utf8) {
    std::string out;
    size_t i = 0;
    while (i < utf8.size()) {
        auto c = static_cast<unsigned char>(utf8[i]);
        if (c >= 0x20 && c <= 0x7E) {
            out += c == '&' ? "&-" : std::string(1, static_cast<char>(c));
            ++i;
            continue;
        }
        // A run of non-printable characters goes into one base64 shift of UTF-16.
        out.push_back('&');
        uint32_t bits = 0;
        int nbits = 0;
        auto emit16 = [&](uint32_t unit) {
            bits = (bits << 16) | unit;
            nbits += 16;
            while (nbits >= 6) {
                nbits -= 6;
                out.push_back(kAlphabet[(bits >> nbits) & 0x3F]);
            }
            bits &= (1u << nbits) - 1;
        };
        while (i < utf8.size()) {
            auto d = static_cast<unsigned char>(utf8[i]);
            if (d >= 0x20 && d <= 0x7E) break;
            int64_t cp = next_utf8(utf8, i);
            if (cp < 0) {
                cp = 0xFFFD;  // invalid input: replacement character
                ++i;
            }
            if (cp >= 0x10000) {
                cp -= 0x10000;
                emit16(0xD800 + (static_cast<uint32_t>(cp) >> 10));
                emit16(0xDC00 + (static_cast<uint32_t>(cp) & 0x3FF));
            } else {
                emit16(static_cast<uint32_t>(cp));
            }
        }
        if (nbits > 0) out.push_back(kAlphabet[(bits << (6 - nbits)) & 0x3F]);
        out.push_back('-');
    }
    return out;
}

bool valid_utf8_name(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        int64_t cp = next_utf8(s, i);
        if (cp < 0x20 || cp == 0x7F) return false;  // RFC 9051 §5.1: no controls in names
    }
    return true;
}

std::string canonical_inbox(std::string_view name) {
    static constexpr std::string_view kInbox = "INBOX";
    if (name.size() == kInbox.size()) {
        bool eq = true;
        for (size_t i = 0; i < name.size(); ++i)
            if ((name[i] & ~0x20) != kInbox[i]) eq = false;
        if (eq) return std::string(kInbox);
    }
    return std::string(name);
}

}  // namespace magpie::imap
