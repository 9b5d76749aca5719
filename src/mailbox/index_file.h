// "magpie-index": Magpie's per-folder cache beside dovecot-uidlist. It holds what the
// Maildir cannot: modseqs (RFC 7162 CONDSTORE/QRESYNC), the save date, the cached size and
// internal date (so an unchanged folder syncs without a stat per file), and recently
// expunged UIDs for VANISHED. It is only a cache: a missing, stale or corrupt file is
// discarded and rebuilt from the Maildir. (ENVELOPE/BODYSTRUCTURE/header caches are in
// magpie-cache, cache_file.h.)
//
// Text format, version 2, tab-separated, replaced atomically (tmp + rename; fsync'd only
// when the modseq reservation R moves, see Folder::save_index):
//   magpie-index 2
//   V<uidvalidity> H<highest modseq> F<expunge floor> R<modseqs reserved up to>
//   M <uid> <modseq> <size> <internal date> <save date> <n|c> <file name>
//   X <uid> <modseq>
//   Z <FNV-1a 64 of all bytes before this line, hex>
// Strings escape '\\', tab, CR and LF as \\\\, \\t, \\r, \\n. Version 1 (no R; two more
// M fields with ENVELOPE and BODYSTRUCTURE strings, which are dropped) is read too.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::mailbox {

constexpr int64_t kDateUnknown = INT64_MIN;

struct IndexRecord {
    uint32_t uid = 0;
    uint64_t modseq = 0;
    uint64_t size = 0;
    // Unix seconds; kDateUnknown until the file is stat'd (a first sync takes sizes from
    // the names and reads dates only when a command needs them).
    int64_t internal_date = 0;
    int64_t save_date = 0;
    bool in_new = false;   // the file is in new/ (not yet seen by a session)
    std::string filename;  // full name, flags included
};

struct ExpungedUid {
    uint32_t uid = 0;
    uint64_t modseq = 0;
};

struct IndexData {
    uint32_t uidvalidity = 0;
    uint64_t highest_modseq = 0;
    // Expunges with a modseq <= floor may be missing from `expunged` (trimmed, or the
    // index was rebuilt): VANISHED since a modseq below it cannot be answered exactly.
    uint64_t expunge_floor = 0;
    // Every modseq handed out is <= this value in the last durably written index, so a
    // stale index found after a crash is bumped past it (RFC 7162 §3.1.1: never backwards).
    uint64_t modseq_reserved = 0;
    std::vector<IndexRecord> records;   // ascending uid
    std::vector<ExpungedUid> expunged;  // ascending modseq
};

std::string serialize_index(const IndexData& d);
// nullopt when the data is not a complete, intact version-1 index.
std::optional<IndexData> parse_index(std::string_view data);

std::optional<IndexData> read_index(const std::string& path);
// `durable`: fsync'd (file and directory); otherwise only replaced.
void write_index(const std::string& path, const IndexData& d, bool durable);

}  // namespace magpie::mailbox
