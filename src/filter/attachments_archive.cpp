// libarchive over a memory buffer: every format and filter, plus "raw" so that a lone
// .gz/.bz2/.xz yields its decompressed content as one entry.
#include "filter/attachments_archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <memory>

namespace magpie::filter {
namespace {

struct ArchiveFree {
    void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

constexpr size_t kChunk = 64 * 1024;

// Reads the current entry into `out`, stopping at the byte budget. False on a read error.
bool read_entry(archive* a, ArchiveBudget& budget, std::string& out) {
    out.clear();
    char buf[kChunk];
    for (;;) {
        if (budget.bytes_left == 0) {
            budget.exhausted = true;
            return true;
        }
        size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof buf, budget.bytes_left));
        la_ssize_t n = archive_read_data(a, buf, want);
        if (n < 0) return false;
        if (n == 0) return true;
        out.append(buf, static_cast<size_t>(n));
        budget.bytes_left -= static_cast<uint64_t>(n);
    }
}

}  // namespace

bool read_archive(std::string_view bytes, ArchiveBudget& budget, const ArchiveVisitor& visit) {
    ArchivePtr a(archive_read_new());
    if (!a) return false;
    archive_read_support_filter_all(a.get());
    archive_read_support_format_all(a.get());
    archive_read_support_format_raw(a.get());
    if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) return false;
    bool raw = false;
    std::string content;
    for (bool first = true;; first = false) {
        archive_entry* entry = nullptr;
        int r = archive_read_next_header(a.get(), &entry);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) {
            if (first) return false;
            budget.unreadable = true;
            break;
        }
        if (first) {
            raw = archive_format(a.get()) == ARCHIVE_FORMAT_RAW;
            // "raw" accepts anything; without a decompression filter it is no archive.
            if (raw && archive_filter_count(a.get()) <= 1) return false;
        }
        if (budget.entries_left == 0) {
            budget.exhausted = true;
            break;
        }
        --budget.entries_left;
        if (archive_entry_filetype(entry) != AE_IFREG) continue;
        if (archive_entry_is_encrypted(entry)) {
            budget.unreadable = true;
            continue;
        }
        if (!read_entry(a.get(), budget, content)) {
            budget.unreadable = true;
            if (content.empty()) continue;
        }
        const char* path = raw ? nullptr : archive_entry_pathname_utf8(entry);
        if (!path && !raw) path = archive_entry_pathname(entry);
        visit(path ? path : "data", content);
        if (budget.exhausted) break;
    }
    return true;
}

}  // namespace magpie::filter
