// magpie-index reader and writer (see index_file.h).
#include "mailbox/index_file.h"

#include <charconv>
#include <cstdio>

#include "core/fs.h"

namespace magpie::mailbox {
namespace {

constexpr std::string_view kMagic = "magpie-index 2\n";
constexpr std::string_view kMagicV1 = "magpie-index 1\n";

uint64_t fnv1a(std::string_view s) {
    uint64_t h = 1469598103934665603ull;
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

// Copies runs without special characters at once (the cached ENVELOPE/BODYSTRUCTURE
// strings make the index megabytes long).
void append_escaped(std::string& out, std::string_view s) {
    size_t run = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c != '\\' && c != '\t' && c != '\n' && c != '\r') continue;
        out.append(s.data() + run, i - run);
        out += c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : "\\r";
        run = i + 1;
    }
    out.append(s.data() + run, s.size() - run);
}

std::string unescape(std::string_view s) {
    size_t esc = s.find('\\');
    if (esc == std::string_view::npos) return std::string(s);
    std::string out(s.substr(0, esc));
    out.reserve(s.size());
    for (size_t i = esc; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 == s.size()) {
            out += s[i];
            continue;
        }
        char c = s[++i];
        out += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
    }
    return out;
}

template <typename T>
bool num(std::string_view s, T& out) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Splits on tabs into at most `max` fields.
size_t split_tabs(std::string_view line, std::string_view* f, size_t max) {
    size_t n = 0, start = 0;
    while (n < max) {
        size_t tab = line.find('\t', start);
        if (tab == std::string_view::npos || n + 1 == max) {
            f[n++] = line.substr(start);
            break;
        }
        f[n++] = line.substr(start, tab - start);
        start = tab + 1;
    }
    return n;
}

}  // namespace

std::string serialize_index(const IndexData& d) {
    std::string out(kMagic);
    out += "V" + std::to_string(d.uidvalidity) + " H" + std::to_string(d.highest_modseq) + " F" +
           std::to_string(d.expunge_floor) + " R" + std::to_string(d.modseq_reserved) + "\n";
    out.reserve(out.size() + d.records.size() * 96 + d.expunged.size() * 24 + 32);
    for (const auto& r : d.records) {
        out += "M\t" + std::to_string(r.uid) + "\t" + std::to_string(r.modseq) + "\t" +
               std::to_string(r.size) + "\t" + std::to_string(r.internal_date) + "\t" +
               std::to_string(r.save_date) + (r.in_new ? "\tn\t" : "\tc\t");
        append_escaped(out, r.filename);
        out += '\n';
    }
    for (const auto& x : d.expunged) {
        out += "X\t" + std::to_string(x.uid) + "\t" + std::to_string(x.modseq) + "\n";
    }
    char sum[32];
    std::snprintf(sum, sizeof sum, "Z\t%016llx\n", static_cast<unsigned long long>(fnv1a(out)));
    out += sum;
    return out;
}

std::optional<IndexData> parse_index(std::string_view data) {
    bool v1 = data.substr(0, kMagicV1.size()) == kMagicV1;
    if (!v1 && data.substr(0, kMagic.size()) != kMagic) return std::nullopt;
    // The checksum line closes the file; anything torn or edited fails here.
    size_t z = data.rfind("\nZ\t");
    if (z == std::string_view::npos || data.back() != '\n') return std::nullopt;
    std::string_view body = data.substr(0, z + 1);
    uint64_t want = 0;
    std::string_view hex = data.substr(z + 3, data.size() - z - 4);
    auto r = std::from_chars(hex.data(), hex.data() + hex.size(), want, 16);
    if (r.ec != std::errc() || want != fnv1a(body)) return std::nullopt;

    IndexData d;
    size_t pos = kMagic.size();
    size_t nl = body.find('\n', pos);
    std::string_view head = body.substr(pos, nl - pos);
    if (std::sscanf(std::string(head).c_str(), "V%u H%llu F%llu R%llu", &d.uidvalidity,
                    reinterpret_cast<unsigned long long*>(&d.highest_modseq),
                    reinterpret_cast<unsigned long long*>(&d.expunge_floor),
                    reinterpret_cast<unsigned long long*>(&d.modseq_reserved)) != (v1 ? 3 : 4)) {
        return std::nullopt;
    }
    if (v1) d.modseq_reserved = d.highest_modseq;  // version 1 was always fsync'd
    const size_t m_fields = v1 ? 10 : 8;
    pos = nl + 1;
    while (pos < body.size()) {
        nl = body.find('\n', pos);
        std::string_view line = body.substr(pos, nl - pos);
        pos = nl + 1;
        std::string_view f[10];
        size_t n = split_tabs(line, f, 10);
        if (f[0] == "M" && n == m_fields) {
            IndexRecord rec;
            if (!num(f[1], rec.uid) || !num(f[2], rec.modseq) || !num(f[3], rec.size) ||
                !num(f[4], rec.internal_date) || !num(f[5], rec.save_date)) {
                return std::nullopt;
            }
            rec.in_new = f[6] == "n";
            rec.filename = unescape(f[7]);
            if (!d.records.empty() && d.records.back().uid >= rec.uid) return std::nullopt;
            d.records.push_back(std::move(rec));
        } else if (f[0] == "X" && n == 3) {
            ExpungedUid x;
            if (!num(f[1], x.uid) || !num(f[2], x.modseq)) return std::nullopt;
            d.expunged.push_back(x);
        } else {
            return std::nullopt;
        }
    }
    return d;
}

std::optional<IndexData> read_index(const std::string& path) {
    try {
        return parse_index(fs::read_file(path));
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

void write_index(const std::string& path, const IndexData& d, bool durable) {
    if (durable) {
        fs::write_file_atomic(path, serialize_index(d));
    } else {
        fs::replace_file(path, serialize_index(d));
    }
}

}  // namespace magpie::mailbox
