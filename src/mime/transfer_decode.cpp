// Quoted-printable (RFC 2045 §6.7) and base64 (RFC 2045 §6.8) decoding.
#include "mime/transfer_decode.h"

#include "core/base64.h"
#include "core/strings.h"

namespace magpie::mime {

namespace {

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

void decode_base64(std::string_view in, std::string& out) {
    out.reserve(out.size() + in.size() / 4 * 3);
    unsigned acc = 0;
    int bits = 0;
    for (unsigned char c : in) {
        if (c == '=') break;  // RFC 2045 §6.8: '=' only pads the final unit
        int v = base64_value(c);
        if (v < 0) continue;  // §6.8: characters outside the alphabet are ignored
        acc = (acc << 6) | unsigned(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(char((acc >> bits) & 0xff));
        }
    }
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
