// RFC 2045 §5.1 parameter parsing and RFC 2231 §3-§5 parameter value continuations,
// character sets and languages.
#include "mime/params.h"

#include <algorithm>
#include <map>

#include "core/strings.h"
#include "mime/charset.h"
#include "mime/lexer.h"
#include "mime/rfc2047.h"

namespace magpie::mime {

namespace {

// Bound on sections of one continued parameter (RFC 2231 §3 gives no limit).
constexpr int kMaxSections = 1000;

struct Section {
    int index = -1;        // -1: no "*N" section number
    bool encoded = false;  // trailing '*' (RFC 2231 §4)
    std::string value;
};

struct RawParam {
    std::string base;  // lower-case
    std::string base_as_written;
    std::vector<Section> sections;
    size_t order = 0;
};

int hexv(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void percent_decode(std::string_view in, std::string& out) {
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size() && hexv(in[i + 1]) >= 0 && hexv(in[i + 2]) >= 0) {
            out.push_back(char(hexv(in[i + 1]) * 16 + hexv(in[i + 2])));
            i += 2;
        } else {
            out.push_back(in[i]);
        }
    }
}

// Splits "name*3*" into base "name", index 3, encoded true.
void split_name(std::string_view name, std::string& base, std::string& as_written, int& index,
                bool& encoded) {
    index = -1;
    encoded = false;
    if (!name.empty() && name.back() == '*') {
        encoded = true;
        name.remove_suffix(1);
    }
    size_t star = name.rfind('*');
    if (star != std::string_view::npos && star + 1 < name.size()) {
        std::string_view num = name.substr(star + 1);
        if (num.size() <= 4 &&
            std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            index = std::stoi(std::string(num));
            name = name.substr(0, star);
        }
    }
    as_written = std::string(name);
    base = to_lower(name);
}

}  // namespace

Params parse_params(std::string_view text) {
    std::vector<RawParam> raws;
    std::map<std::string, size_t> by_name;
    Lexer lx(text);
    while (!lx.eof()) {
        lx.skip_cfws();
        if (lx.consume(';')) continue;
        std::string_view name = lx.token();
        if (name.empty()) {
            lx.advance();  // junk: skip a byte and resynchronise
            continue;
        }
        lx.skip_cfws();
        if (!lx.consume('=')) continue;  // a name without a value is dropped
        lx.skip_cfws();
        std::string value;
        if (lx.peek() == '"') {
            value = lx.quoted_string();
        } else {
            // Tolerate unquoted values with tspecials (e.g. boundary=a/b=c): read up to ';'.
            size_t start = lx.pos();
            while (!lx.eof() && lx.peek() != ';' && lx.peek() != ' ' && lx.peek() != '\t' &&
                   lx.peek() != '\r' && lx.peek() != '\n')
                lx.advance();
            value = std::string(text.substr(start, lx.pos() - start));
        }
        lx.skip_cfws();
        if (!lx.eof() && lx.peek() != ';') {
            // Junk after the value (often a missing ';'): skip to the next parameter.
            while (!lx.eof() && lx.peek() != ';') {
                if (lx.peek() == '"')
                    lx.quoted_string();
                else
                    lx.advance();
            }
        }
        std::string base, as_written;
        Section sec;
        split_name(name, base, as_written, sec.index, sec.encoded);
        sec.value = std::move(value);
        auto it = by_name.find(base);
        if (it == by_name.end()) {
            by_name.emplace(base, raws.size());
            raws.push_back({base, as_written, {std::move(sec)}, raws.size()});
        } else if (raws[it->second].sections.size() < kMaxSections) {
            raws[it->second].sections.push_back(std::move(sec));
        }
    }

    // Plain parameters first in their order, then RFC 2231 ones sorted by name (Dovecot's
    // order, which IMAP clients see).
    std::stable_partition(raws.begin(), raws.end(), [](const RawParam& r) {
        return r.sections.size() == 1 && r.sections[0].index < 0 && !r.sections[0].encoded;
    });
    auto first_2231 = std::find_if(raws.begin(), raws.end(), [](const RawParam& r) {
        return !(r.sections.size() == 1 && r.sections[0].index < 0 && !r.sections[0].encoded);
    });
    std::stable_sort(first_2231, raws.end(),
                     [](const RawParam& a, const RawParam& b) { return a.base < b.base; });
    Params out;
    for (auto& r : raws) {
        Param p;
        p.name = r.base;
        std::vector<Section*> secs;
        for (auto& s : r.sections) secs.push_back(&s);
        bool continued =
            std::any_of(secs.begin(), secs.end(), [](auto* s) { return s->index >= 0; });
        if (continued) {
            // RFC 2231 §3: sections are ordered by number; unnumbered duplicates are dropped.
            std::erase_if(secs, [](auto* s) { return s->index < 0; });
            std::stable_sort(secs.begin(), secs.end(),
                             [](auto* a, auto* b) { return a->index < b->index; });
        } else {
            secs.resize(1);  // duplicate parameter: the first one wins
        }
        bool first_encoded = secs.front()->encoded;
        std::string charset;
        std::string bytes;
        p.imap_name = r.base_as_written;
        for (size_t i = 0; i < secs.size(); ++i) {
            std::string_view v = secs[i]->value;
            if (secs[i]->encoded) {
                if (i == 0) {
                    // RFC 2231 §4: charset'language'value in the first section only.
                    size_t q1 = v.find('\'');
                    size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
                    if (q2 != std::string_view::npos) {
                        charset = std::string(v.substr(0, q1));
                        p.language = std::string(v.substr(q1 + 1, q2 - q1 - 1));
                        p.imap_value.append(v.substr(0, q2 + 1));
                        v = v.substr(q2 + 1);
                    }
                }
                percent_decode(v, bytes);
                p.imap_value.append(v);
            } else {
                bytes.append(v);
                p.imap_value.append(v);
            }
        }
        if (first_encoded) {
            p.imap_name += '*';
            to_utf8(charset.empty() ? "us-ascii" : charset, bytes, p.value);
        } else {
            // Not RFC 2231: many clients put RFC 2047 words in quoted parameter values.
            p.value = decode_rfc2047(bytes);
        }
        out.push_back(std::move(p));
    }
    return out;
}

const Param* find_param(const Params& params, std::string_view name) {
    for (const auto& p : params)
        if (p.name == name) return &p;
    return nullptr;
}

ContentType parse_content_type(std::string_view value) {
    ContentType ct;
    Lexer lx(value);
    lx.skip_cfws();
    std::string_view type = lx.token();
    lx.skip_cfws();
    if (!type.empty() && lx.consume('/')) {
        lx.skip_cfws();
        std::string_view sub = lx.token();
        lx.skip_cfws();
        if (!sub.empty() && (lx.eof() || lx.peek() == ';')) {
            ct.type = std::string(type);
            ct.subtype = std::string(sub);
        }
    }
    size_t semi = value.find(';', lx.pos());
    if (semi != std::string_view::npos) ct.params = parse_params(value.substr(semi));
    return ct;
}

Disposition parse_disposition(std::string_view value) {
    Disposition d;
    Lexer lx(value);
    lx.skip_cfws();
    d.type = std::string(lx.token());
    size_t semi = value.find(';', lx.pos());
    if (semi != std::string_view::npos) d.params = parse_params(value.substr(semi));
    return d;
}

}  // namespace magpie::mime
