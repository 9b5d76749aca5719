// HTML to text (a small tokenizer after the WHATWG HTML tokenizer's main states: data,
// tag, comment, raw text for script/style) and HTML character references.
#include "mime/html_text.h"

#include <cctype>

#include "core/strings.h"

namespace magpie::mime {

namespace {

// HTML character references: NUL and invalid code points become U+FFFD.
void append_utf8(unsigned long c, std::string& out) {
    if (c == 0 || c > 0x10FFFF) c = 0xFFFD;
    magpie::append_utf8(static_cast<char32_t>(c), out);
}

struct Entity {
    const char* name;
    unsigned cp;
};
// The named references mail actually uses; others are left as written.
constexpr Entity kEntities[] = {
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},        {"quot", '"'},     {"apos", '\''},
    {"nbsp", 0xA0},    {"copy", 0xA9},    {"reg", 0xAE},      {"trade", 0x2122}, {"euro", 0x20AC},
    {"pound", 0xA3},   {"yen", 0xA5},     {"cent", 0xA2},     {"sect", 0xA7},    {"deg", 0xB0},
    {"middot", 0xB7},  {"bull", 0x2022},  {"hellip", 0x2026}, {"mdash", 0x2014}, {"ndash", 0x2013},
    {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C},  {"rdquo", 0x201D}, {"laquo", 0xAB},
    {"raquo", 0xBB},   {"shy", 0xAD},     {"times", 0xD7},    {"divide", 0xF7},  {"auml", 0xE4},
    {"ouml", 0xF6},    {"uuml", 0xFC},    {"Auml", 0xC4},     {"Ouml", 0xD6},    {"Uuml", 0xDC},
    {"szlig", 0xDF},   {"eacute", 0xE9},  {"egrave", 0xE8},   {"agrave", 0xE0},  {"ccedil", 0xE7},
    {"zwnj", 0x200C},  {"zwj", 0x200D},
};

// Decodes the reference at s[i] ('&'); returns bytes consumed, 0 when not a reference.
size_t char_ref(std::string_view s, size_t i, std::string& out) {
    size_t j = i + 1;
    if (j < s.size() && s[j] == '#') {
        ++j;
        bool hex = j < s.size() && (s[j] == 'x' || s[j] == 'X');
        if (hex) ++j;
        unsigned long v = 0;
        size_t digits = 0;
        while (j < s.size() && digits < 8) {
            char c = s[j];
            int d = (c >= '0' && c <= '9')        ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : -1;
            if (d < 0) break;
            v = v * (hex ? 16 : 10) + unsigned(d);
            ++j;
            ++digits;
        }
        if (digits == 0) return 0;
        if (j < s.size() && s[j] == ';') ++j;
        append_utf8(v, out);
        return j - i;
    }
    size_t start = j;
    while (j < s.size() && j - start < 10 &&
           ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')))
        ++j;
    std::string_view name = s.substr(start, j - start);
    for (const auto& e : kEntities) {
        if (name == e.name) {
            append_utf8(e.cp, out);
            if (j < s.size() && s[j] == ';') ++j;
            return j - i;
        }
    }
    return 0;
}

bool is_block(std::string_view tag) {
    static constexpr std::string_view blocks[] = {
        "p",  "br",      "div",     "li",     "tr",     "td",    "th", "h1",         "h2",
        "h3", "h4",      "h5",      "h6",     "table",  "ul",    "ol", "blockquote", "pre",
        "hr", "section", "article", "header", "footer", "title", "dd", "dt"};
    for (auto b : blocks)
        if (iequals(tag, b)) return true;
    return false;
}

// Appends text, collapsing runs of whitespace into one space.
void emit(std::string& out, std::string_view text) {
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (!out.empty() && out.back() != ' ' && out.back() != '\n') out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
}

void newline(std::string& out) {
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (!out.empty() && out.back() != '\n') out.push_back('\n');
}

}  // namespace

void html_to_text(std::string_view s, std::string& out) {
    size_t base = out.size();
    size_t i = 0;
    while (i < s.size()) {
        char c = s[i];
        if (c == '&') {
            std::string ref;
            size_t n = char_ref(s, i, ref);
            if (n) {
                emit(out, ref == "\xC2\xA0" ? std::string_view(" ") : std::string_view(ref));
                i += n;
                continue;
            }
            out.push_back('&');
            ++i;
            continue;
        }
        if (c != '<') {
            size_t next = s.find_first_of("<&", i);
            if (next == std::string_view::npos) next = s.size();
            emit(out, s.substr(i, next - i));
            i = next;
            continue;
        }
        if (s.compare(i, 4, "<!--") == 0) {  // comment
            size_t e = s.find("-->", i + 4);
            i = e == std::string_view::npos ? s.size() : e + 3;
            continue;
        }
        size_t j = i + 1;
        bool closing = j < s.size() && s[j] == '/';
        if (closing) ++j;
        size_t name_start = j;
        while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '!')) ++j;
        std::string_view name = s.substr(name_start, j - name_start);
        if (name.empty()) {  // a lone '<' is text
            out.push_back('<');
            ++i;
            continue;
        }
        // Skip to the end of the tag, respecting quoted attribute values.
        char quote = 0;
        while (j < s.size()) {
            char d = s[j];
            if (quote) {
                if (d == quote) quote = 0;
            } else if (d == '"' || d == '\'') {
                quote = d;
            } else if (d == '>') {
                break;
            }
            ++j;
        }
        i = j < s.size() ? j + 1 : s.size();
        if (!closing &&
            (iequals(name, "script") || iequals(name, "style") || iequals(name, "head"))) {
            // Raw text elements: skip to the matching end tag.
            std::string end = "</" + to_lower(name);
            size_t k = i;
            for (; k + end.size() <= s.size(); ++k) {
                if (s[k] == '<' && iequals(s.substr(k, end.size()), end)) break;
            }
            if (k + end.size() > s.size()) k = s.size();
            size_t gt = s.find('>', k);
            i = gt == std::string_view::npos ? s.size() : gt + 1;
            continue;
        }
        if (is_block(name)) newline(out);
        if (iequals(name, "img") && !closing) emit(out, " ");
    }
    while (out.size() > base && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
}

std::string html_meta_charset(std::string_view html) {
    std::string head = to_lower(html.substr(0, 2048));
    size_t pos = 0;
    while ((pos = head.find("<meta", pos)) != std::string::npos) {
        size_t end = head.find('>', pos);
        if (end == std::string::npos) break;
        std::string_view tag = std::string_view(head).substr(pos, end - pos);
        size_t cs = tag.find("charset=");
        if (cs != std::string_view::npos) {
            size_t k = cs + 8;
            while (k < tag.size() && (tag[k] == '"' || tag[k] == '\'' || tag[k] == ' ')) ++k;
            size_t e = k;
            while (e < tag.size() && tag[e] != '"' && tag[e] != '\'' && tag[e] != ' ' &&
                   tag[e] != ';' && tag[e] != '/')
                ++e;
            if (e > k) return std::string(tag.substr(k, e - k));
        }
        pos = end;
    }
    return {};
}

}  // namespace magpie::mime
