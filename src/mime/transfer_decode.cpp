// Quoted-printable (RFC 2045 §6.7) and base64 (RFC 2045 §6.8) decoding.
#include "mime/transfer_decode.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/strings.h"

namespace magpie::mime {

namespace {

// The 6-bit value of each base64 alphabet character (RFC 4648 §4), -1 for the rest.
constexpr auto kBase64Table = [] {
    std::array<signed char, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i)
        t[static_cast<unsigned char>(alphabet[i])] = static_cast<signed char>(i);
    return t;
}();

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

}  // namespace

Encoding parse_encoding(std::string_view value) {
    value = trim(value);
    if (value.empty() || iequals(value, "7bit")) return Encoding::k7bit;
    if (iequals(value, "8bit")) return Encoding::k8bit;
    if (iequals(value, "binary")) return Encoding::kBinary;
    if (iequals(value, "quoted-printable")) return Encoding::kQuotedPrintable;
    if (iequals(value, "base64")) return Encoding::kBase64;
    return Encoding::kUnknown;
}

size_t decode_base64(std::string_view in, std::string& out, size_t max_out) {
    // Written through a pointer into `out`, sized for the whole input up front (decoding
    // never grows data) and trimmed at the end; whole 4-character groups take a fast path.
    size_t start = out.size();
    size_t room = in.size() / 4 * 3 + 3;
    if (max_out != SIZE_MAX) room = std::min(room, max_out + 3);
    out.resize(start + room);
    auto* dst = reinterpret_cast<unsigned char*>(out.data()) + start;
    auto* const end_dst = dst + std::min(room, max_out);
    const auto* src = reinterpret_cast<const unsigned char*>(in.data());
    const size_t n = in.size();
    size_t i = 0;
    unsigned acc = 0;
    int bits = 0;
    while (i < n && dst < end_dst) {
        if (bits == 0 && i + 4 <= n) {
            int a = kBase64Table[src[i]], b = kBase64Table[src[i + 1]],
                c = kBase64Table[src[i + 2]], d = kBase64Table[src[i + 3]];
            if ((a | b | c | d) >= 0) {
                unsigned v = unsigned(a) << 18 | unsigned(b) << 12 | unsigned(c) << 6 | unsigned(d);
                dst[0] = static_cast<unsigned char>(v >> 16);
                dst[1] = static_cast<unsigned char>(v >> 8);
                dst[2] = static_cast<unsigned char>(v);
                dst += 3;
                i += 4;
                continue;
            }
        }
        unsigned char ch = src[i];
        if (ch == '=') break;  // RFC 2045 §6.8: '=' only pads the final unit
        ++i;
        int v = kBase64Table[ch];
        if (v < 0) continue;  // §6.8: characters outside the alphabet are ignored
        acc = (acc << 6) | unsigned(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *dst++ = static_cast<unsigned char>((acc >> bits) & 0xff);
        }
    }
    // Stopped early with a group half read: finish it, so the caller resumes at a boundary.
    while (bits != 0 && i < n && src[i] != '=') {
        int v = kBase64Table[src[i++]];
        if (v < 0) continue;
        acc = (acc << 6) | unsigned(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *dst++ = static_cast<unsigned char>((acc >> bits) & 0xff);
        }
    }
    out.resize(static_cast<size_t>(dst - reinterpret_cast<unsigned char*>(out.data())));
    return i;
}

void decode_base64(std::string_view in, std::string& out) {
    decode_base64(in, out, SIZE_MAX);
}

void decode_qp(std::string_view in, std::string& out, bool header_q) {
    out.reserve(out.size() + in.size());
    size_t i = 0;
    while (i < in.size()) {
        char c = in[i];
        if (c == '_' && header_q) {
            out.push_back(' ');
            ++i;
        } else if (c == '=') {
            if (i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
                out.push_back(char(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
                i += 3;
                continue;
            }
            // §6.7 rule 5: '=' followed by optional whitespace and a line end is a soft break.
            size_t j = i + 1;
            while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
            if (j < in.size() && in[j] == '\r') ++j;
            if (j < in.size() && in[j] == '\n') {
                i = j + 1;
            } else if (j >= in.size()) {
                i = j;
            } else {
                out.push_back('=');  // a malformed escape is kept literally
                ++i;
            }
        } else if (!header_q && (c == ' ' || c == '\t')) {
            // §6.7 rule 3: trailing whitespace on an encoded line is dropped.
            size_t j = i;
            while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
            if (j < in.size() && in[j] != '\r' && in[j] != '\n') out.append(in.substr(i, j - i));
            i = j;
        } else if (c == '\r' && !header_q) {
            if (i + 1 < in.size() && in[i + 1] == '\n') {
                out += "\r\n";
                i += 2;
            } else {
                out.push_back(c);
                ++i;
            }
        } else {
            out.push_back(c);
            ++i;
        }
    }
}

void decode_transfer(Encoding enc, std::string_view in, std::string& out) {
    switch (enc) {
        case Encoding::kQuotedPrintable:
            decode_qp(in, out);
            break;
        case Encoding::kBase64:
            decode_base64(in, out);
            break;
        default:
            out.append(in);
            break;
    }
}

}  // namespace magpie::mime
