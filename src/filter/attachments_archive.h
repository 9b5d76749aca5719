// Reads the files inside an archive held in memory (libarchive: zip, rar, 7z, tar, cpio,
// cab, iso, and gzip/bzip2/xz/... streams), within bounds on entries and on uncompressed
// bytes, so a zip bomb costs no more than the budget.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace magpie::filter {

// Shared by every archive of one message, nested ones included.
struct ArchiveBudget {
    uint64_t bytes_left = 0;  // uncompressed bytes that may still be read
    size_t entries_left = 0;  // archive entries that may still be read
    bool exhausted = false;   // a bound was reached; some content was not looked at
    bool unreadable = false;  // an entry was encrypted or damaged
};

// Called with each regular file's path inside the archive and its content (cut short when
// the budget ran out). For a bare compressed stream the path is "data".
using ArchiveVisitor = std::function<void(std::string_view path, std::string_view content)>;

// False when libarchive does not recognise `bytes` as an archive.
bool read_archive(std::string_view bytes, ArchiveBudget& budget, const ArchiveVisitor& visit);

}  // namespace magpie::filter
