// Modified UTF-7 codec and folder name <-> directory mapping (see folder_name.h).
#include "mailbox/folder_name.h"

#include <strings.h>

#include <cstdint>
#include <vector>

namespace magpie::mailbox {
namespace {

// RFC 3501 §5.1.3: base64 with ',' in place of '/'.
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == ',') return 63;
    return -1;
}

// Decodes one UTF-8 code point; returns 0xFFFD on malformed input.
uint32_t next_code_point(std::string_view s, size_t& i) {
    auto c = static_cast<unsigned char>(s[i++]);
    if (c < 0x80) return c;
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : -1;
    if (extra < 0) return 0xFFFD;
    uint32_t cp = c & (0x3F >> extra);
    for (int k = 0; k < extra; ++k) {
        if (i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) return 0xFFFD;
        cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
    }
    return cp;
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

void flush_utf16(std::string& out, std::vector<uint16_t>& units) {
    if (units.empty()) return;
    out += '&';
    uint32_t acc = 0;
    int bits = 0;
    for (uint16_t u : units) {
        acc = (acc << 16) | u;
        bits += 16;
        while (bits >= 6) {
            bits -= 6;
            out += kB64[(acc >> bits) & 0x3F];
        }
    }
    if (bits > 0) out += kB64[(acc << (6 - bits)) & 0x3F];
    out += '-';
    units.clear();
}

}  // namespace

std::string mutf7_encode(std::string_view utf8) {
    std::string out;
    std::vector<uint16_t> units;
    size_t i = 0;
    while (i < utf8.size()) {
        uint32_t cp = next_code_point(utf8, i);
        if (cp >= 0x20 && cp <= 0x7E) {
            flush_utf16(out, units);
            out += cp == '&' ? std::string("&-") : std::string(1, static_cast<char>(cp));
        } else if (cp >= 0x10000) {
            cp -= 0x10000;
            units.push_back(static_cast<uint16_t>(0xD800 | (cp >> 10)));
            units.push_back(static_cast<uint16_t>(0xDC00 | (cp & 0x3FF)));
        } else {
            units.push_back(static_cast<uint16_t>(cp));
        }
    }
    flush_utf16(out, units);
    return out;
}

std::optional<std::string> mutf7_decode(std::string_view s) {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
        char c = s[i++];
        if (c != '&') {
            if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) {
                return std::nullopt;
            }
            out += c;
            continue;
        }
        if (i < s.size() && s[i] == '-') {
            out += '&';
            ++i;
            continue;
        }
        uint32_t acc = 0, high = 0;
        int bits = 0;
        bool any = false;
        while (i < s.size() && s[i] != '-') {
            int v = b64_value(s[i++]);
            if (v < 0) return std::nullopt;
            acc = (acc << 6) | static_cast<uint32_t>(v);
            bits += 6;
            if (bits >= 16) {
                bits -= 16;
                uint32_t u = (acc >> bits) & 0xFFFF;
                any = true;
                if (u >= 0xD800 && u < 0xDC00) {
                    if (high) return std::nullopt;
                    high = u;
                } else if (u >= 0xDC00 && u < 0xE000) {
                    if (!high) return std::nullopt;
                    append_utf8(out, 0x10000 + ((high - 0xD800) << 10) + (u - 0xDC00));
                    high = 0;
                } else {
                    if (high) return std::nullopt;
                    append_utf8(out, u);
                }
            }
        }
        if (i >= s.size() || !any || high || (acc & ((1u << bits) - 1)) != 0) {
            return std::nullopt;
        }
        ++i;  // '-'
    }
    return out;
}

bool is_inbox(std::string_view utf8) {
    return utf8.size() == 5 && ::strncasecmp(utf8.data(), "INBOX", 5) == 0;
}

std::string canonical_folder_name(std::string_view utf8) {
    return is_inbox(utf8) ? std::string("INBOX") : std::string(utf8);
}

bool valid_folder_name(std::string_view utf8) {
    if (utf8.empty() || utf8.size() > 1024) return false;
    size_t start = 0;
    for (size_t i = 0; i <= utf8.size(); ++i) {
        if (i == utf8.size() || utf8[i] == kHierarchySeparator) {
            if (i == start) return false;
            std::string_view level = utf8.substr(start, i - start);
            if (mutf7_encode(level).size() > 200) return false;
            start = i + 1;
            continue;
        }
        auto c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x20 || c == 0x7F || c == '/' || c == '\\' || c == '*' || c == '%') return false;
    }
    return true;
}

std::string folder_dir_name(std::string_view utf8) {
    if (is_inbox(utf8)) return "";
    return "." + mutf7_encode(utf8);
}

std::optional<std::string> folder_from_dir_name(std::string_view dir) {
    if (dir.size() < 2 || dir[0] != '.' || dir[1] == '.') return std::nullopt;
    auto name = mutf7_decode(dir.substr(1));
    if (!name || !valid_folder_name(*name) || is_inbox(*name)) return std::nullopt;
    return name;
}

}  // namespace magpie::mailbox
