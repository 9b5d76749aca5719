// IMAP sequence sets (RFC 9051 §9 sequence-set): parsing, membership and compact formatting.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::imap {

// One range; 0 stands for "*" (0 itself is never a valid number, RFC 9051 §9 nz-number).
struct SeqRange {
    uint32_t lo = 0;
    uint32_t hi = 0;
};

struct SeqSet {
    std::vector<SeqRange> ranges;
    bool saved = false;  // "$" given: the caller adds the saved search result (RFC 5182 §2.1)

    // True when n is in the set, with "*" meaning `largest` (RFC 9051 §9 seq-range:
    // a range is unordered, "4:2" equals "2:4").
    bool contains(uint32_t n, uint32_t largest) const;
};

// Parses a sequence-set; "$" may stand for an element when `allow_saved` (RFC 5182 §4
// extends sequence-set, so "1,$" is legal too). nullopt on syntax errors,
// 0, numbers above 4294967295 or more than kMaxSeqRanges ranges.
std::optional<SeqSet> parse_seqset(std::string_view s, bool allow_saved = true);

// Formats a set as written by the client ("*" for 0).
std::string format_seqset(const SeqSet& set);

// Formats numbers (any order, duplicates allowed) compressed into ranges: 1:3,5,7:9.
std::string format_numbers(std::vector<uint32_t> numbers);

}  // namespace magpie::imap
