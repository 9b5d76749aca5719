// The signature database folder (data_dir/clamav): which files are databases, which of
// them are ClamAV's official ones, and a fingerprint that changes when any of them does.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::filter {

struct DbFile {
    std::string path;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const DbFile&) const = default;
};

// By extension: cvd cld cud (signed containers), hdb hsb mdb msb ndb ldb cdb idb ... (text
// signatures), ign ign2 fp sfp (allow lists), cbc (bytecode), yar yara. Dot files and
// temporary files (being written, then renamed) are not databases.
bool is_database_file(std::string_view name);

// ClamAV's official databases: main, daily and bytecode, as .cvd, .cld or .cud. Every
// other database (the admin's own, third-party feeds, the tests') is not official.
bool is_official_database(std::string_view name);

// The databases in `dir` to load, sorted by name; official ones only when `official`.
// Empty when the folder is absent.
std::vector<DbFile> list_databases(const std::string& dir, bool official);

}  // namespace magpie::filter
