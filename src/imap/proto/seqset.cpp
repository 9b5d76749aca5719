// Sequence sets: RFC 9051 §9 sequence-set grammar, RFC 5182 "$", compressed formatting.
#include "imap/proto/seqset.h"

#include <algorithm>

#include "imap/proto/limits.h"

namespace magpie::imap {

namespace {

// RFC 9051 §9: seq-number = nz-number / "*"; nz-number fits uint32 (§4.2 number).
bool parse_seq_number(std::string_view s, uint32_t& out) {
    if (s == "*") {
        out = 0;
        return true;
    }
    if (s.empty() || s.size() > 10 || s[0] == '0') return false;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > UINT32_MAX) return false;
    out = static_cast<uint32_t>(v);
    return true;
}

}  // namespace

bool SeqSet::contains(uint32_t n, uint32_t largest) const {
    for (const auto& r : ranges) {
        uint32_t a = r.lo == 0 ? largest : r.lo;
        uint32_t b = r.hi == 0 ? largest : r.hi;
        if (a > b) std::swap(a, b);
        if (n >= a && n <= b) return true;
    }
    return false;
}

std::optional<SeqSet> parse_seqset(std::string_view s, bool allow_saved) {
    SeqSet set;
    if (s.empty()) return std::nullopt;
    size_t pos = 0;
    while (pos <= s.size()) {
        size_t comma = s.find(',', pos);
        std::string_view item =
            s.substr(pos, comma == std::string_view::npos ? s.npos : comma - pos);
        if (item == "$") {  // RFC 5182 §4 seq-last-command
            if (!allow_saved) return std::nullopt;
            set.saved = true;
            if (comma == std::string_view::npos) break;
            pos = comma + 1;
            continue;
        }
        SeqRange r;
        size_t colon = item.find(':');
        if (colon == std::string_view::npos) {
            if (!parse_seq_number(item, r.lo)) return std::nullopt;
            r.hi = r.lo;
        } else if (!parse_seq_number(item.substr(0, colon), r.lo) ||
                   !parse_seq_number(item.substr(colon + 1), r.hi)) {
            return std::nullopt;
        }
        if (set.ranges.size() >= kMaxSeqRanges) return std::nullopt;
        set.ranges.push_back(r);
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return set;
}

std::string format_seqset(const SeqSet& set) {
    std::string out;
    auto num = [](uint32_t n) { return n == 0 ? std::string("*") : std::to_string(n); };
    for (const auto& r : set.ranges) {
        if (!out.empty()) out.push_back(',');
        out += num(r.lo);
        if (r.hi != r.lo) out += ":" + num(r.hi);
    }
    if (set.saved) out += out.empty() ? "$" : ",$";
    return out;
}

std::string format_numbers(std::vector<uint32_t> numbers) {
    std::sort(numbers.begin(), numbers.end());
    numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
    std::string out;
    size_t i = 0;
    while (i < numbers.size()) {
        size_t j = i;
        while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) ++j;
        if (!out.empty()) out.push_back(',');
        out += std::to_string(numbers[i]);
        if (j > i) out += ":" + std::to_string(numbers[j]);
        i = j + 1;
    }
    return out;
}

}  // namespace magpie::imap
