// "magpie-index": Magpie's per-folder cache beside dovecot-uidlist. It holds what the
// Maildir cannot: modseqs (RFC 7162 CONDSTORE/QRESYNC), the save date, the cached size and
// internal date (so an unchanged folder syncs without a stat per file), cached ENVELOPE /
// BODYSTRUCTURE strings, and recently expunged UIDs for VANISHED. It is only a cache:
// a missing, stale or corrupt file is discarded and rebuilt from the Maildir.
//
// Text format, version 1, tab-separated, rewritten atomically (tmp + fsync + rename):
//   magpie-index 1
//   V<uidvalidity> H<highest modseq> F<expunge floor>
//   M <uid> <modseq> <size> <internal date> <save date> <n|c> <file name> <envelope> <body>
//   X <uid> <modseq>
//   Z <FNV-1a 64 of all bytes before this line, hex>
// Strings escape '\\', tab, CR and LF as \\\\, \\t, \\r, \\n.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::mailbox {

struct IndexRecord {
    uint32_t uid = 0;
    uint64_t modseq = 0;
    uint64_t size = 0;
    int64_t internal_date = 0;  // unix seconds
    int64_t save_date = 0;
    bool in_new = false;   // the file is in new/ (not yet seen by a session)
    std::string filename;  // full name, flags included
    std::string envelope;  // cached IMAP ENVELOPE, empty when not computed
    std::string bodystructure;
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
    std::vector<IndexRecord> records;   // ascending uid
    std::vector<ExpungedUid> expunged;  // ascending modseq
};

std::string serialize_index(const IndexData& d);
// nullopt when the data is not a complete, intact version-1 index.
std::optional<IndexData> parse_index(std::string_view data);

std::optional<IndexData> read_index(const std::string& path);
void write_index(const std::string& path, const IndexData& d);

}  // namespace magpie::mailbox
