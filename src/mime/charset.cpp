// Charset conversion through glibc iconv. Names are normalised and mapped to the supersets
// mail clients actually use (WHATWG Encoding Standard: latin1 means windows-1252, etc.).
#include "mime/charset.h"

#include <errno.h>
#include <iconv.h>

#include <map>
#include <string>

#include "core/strings.h"

namespace magpie::mime {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence at s[i], or 0 (RFC 3629 §4).
size_t utf8_seq_len(std::string_view s, size_t i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) return 1;
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    if (b(i + 1) < lo || b(i + 1) > hi) return 0;
    for (size_t k = 2; k < n; ++k)
        if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
    return n;
}

std::string canonical_name(std::string_view charset) {
    std::string n = to_lower(trim(charset));
    if (n.size() >= 2 && n.front() == '"' && n.back() == '"') n = n.substr(1, n.size() - 2);
    size_t star = n.find('*');  // RFC 2231 §5 language suffix: "utf-8*en"
    if (star != std::string::npos) n.resize(star);
    size_t slash = n.find('/');  // never let mail pick iconv's //TRANSLIT or //IGNORE
    if (slash != std::string::npos) n.resize(slash);
    if (n == "utf8" || n == "utf-8" || n == "unicode-1-1-utf-8") return "utf-8";
    if (n.empty() || n == "us-ascii" || n == "ascii" || n == "ansi_x3.4-1968" || n == "iso646-us" ||
        n == "us" || n == "default")
        return "us-ascii";
    // WHATWG: these labels mean windows-1252 in practice.
    if (n == "iso-8859-1" || n == "iso8859-1" || n == "latin1" || n == "l1" || n == "iso_8859-1" ||
        n == "iso-ir-100" || n == "cp819" || n == "ibm819" || n == "windows-1252" ||
        n == "cp1252" || n == "x-cp1252")
        return "WINDOWS-1252";
    if (n == "gb2312" || n == "gbk" || n == "x-gbk" || n == "cp936" || n == "euc-cn")
        return "GB18030";
    if (n == "ks_c_5601-1987" || n == "ks_c_5601" || n == "euc-kr" || n == "korean") return "CP949";
    if (n == "iso-8859-9" || n == "latin5") return "WINDOWS-1254";
    if (n == "tis-620" || n == "iso-8859-11") return "WINDOWS-874";
    if (n == "shift_jis" || n == "sjis" || n == "x-sjis" || n == "ms_kanji") return "CP932";
    if (n == "big5") return "BIG5-HKSCS";
    return n;
}

// One iconv descriptor per charset and thread, reset before each use.
struct DescriptorCache {
    std::map<std::string, iconv_t> map;
    ~DescriptorCache() {
        for (auto& [name, cd] : map) iconv_close(cd);
    }
};

iconv_t descriptor_for(const std::string& name) {
    thread_local DescriptorCache cache;
    auto it = cache.map.find(name);
    if (it != cache.map.end()) return it->second;
    iconv_t cd = iconv_open("UTF-8", name.c_str());
    // Only names iconv knows are cached, and iconv knows a bounded set of them.
    if (cd != iconv_t(-1)) cache.map.emplace(name, cd);
    return cd;
}

void latin1_fallback(std::string_view in, std::string& out) {
    for (unsigned char c : in) {
        if (c < 0x80) {
            out.push_back(char(c));
        } else {
            out.push_back(char(0xC0 | (c >> 6)));
            out.push_back(char(0x80 | (c & 0x3F)));
        }
    }
}

}  // namespace

bool is_valid_utf8(std::string_view in) {
    for (size_t i = 0; i < in.size();) {
        size_t n = utf8_seq_len(in, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

void sanitize_utf8(std::string_view in, std::string& out) {
    out.reserve(out.size() + in.size());
    for (size_t i = 0; i < in.size();) {
        size_t n = utf8_seq_len(in, i);
        if (n == 0) {
            out += kReplacement;
            ++i;
        } else {
            out.append(in.substr(i, n));
            i += n;
        }
    }
}

bool to_utf8(std::string_view charset, std::string_view in, std::string& out) {
    std::string name = canonical_name(charset);
    if (name == "utf-8" || name == "us-ascii") {
        // 8-bit bytes under a us-ascii label are common; keep valid UTF-8, else Latin-1.
        if (is_valid_utf8(in))
            out.append(in);
        else if (name == "us-ascii")
            latin1_fallback(in, out);
        else
            sanitize_utf8(in, out);
        return true;
    }
    iconv_t cd = descriptor_for(name);
    if (cd == iconv_t(-1)) {
        if (is_valid_utf8(in))
            out.append(in);
        else
            latin1_fallback(in, out);
        return false;
    }
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    char* src = const_cast<char*>(in.data());
    size_t src_left = in.size();
    size_t base = out.size();
    out.resize(base + in.size() * 2 + 16);
    size_t used = base;
    while (src_left > 0) {
        char* dst = out.data() + used;
        size_t dst_left = out.size() - used;
        size_t r = iconv(cd, &src, &src_left, &dst, &dst_left);
        used = size_t(dst - out.data());
        if (r != size_t(-1)) break;
        if (errno == E2BIG) {
            out.resize(out.size() * 2);
        } else if (errno == EILSEQ) {
            if (out.size() - used < 3) out.resize(out.size() + 16);
            out.replace(used, 3, kReplacement);
            used += 3;
            ++src;
            --src_left;
            iconv(cd, nullptr, nullptr, nullptr, nullptr);
        } else {  // EINVAL: truncated sequence at the end
            if (out.size() - used < 3) out.resize(out.size() + 16);
            out.replace(used, 3, kReplacement);
            used += 3;
            break;
        }
    }
    // Flush any shift state (ISO-2022-JP returns to ASCII here).
    for (;;) {
        if (out.size() - used < 16) out.resize(out.size() + 16);
        char* dst = out.data() + used;
        size_t dst_left = out.size() - used;
        size_t r = iconv(cd, nullptr, nullptr, &dst, &dst_left);
        used = size_t(dst - out.data());
        if (r != size_t(-1) || errno != E2BIG) break;
    }
    out.resize(used);
    return true;
}

}  // namespace magpie::mime
