// Listing of the signature folder with sizes and modification times.
#include "filter/antivirus_db.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <filesystem>

namespace magpie::filter {
namespace {

constexpr std::array kExtensions = {
    "cvd", "cld", "cud", "hdb",  "hsb", "hdu", "hsu",  "mdb",  "msb", "mdu", "msu",
    "ndb", "ndu", "ldb", "ldu",  "idb", "cdb", "cbc",  "pdb",  "gdb", "wdb", "ftm",
    "fp",  "sfp", "ign", "ign2", "crb", "yar", "yara", "pwdb", "imp", "cat",
};

std::string_view extension(std::string_view name) {
    auto dot = name.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
}

}  // namespace

bool is_database_file(std::string_view name) {
    if (name.empty() || name.front() == '.' || name.back() == '~') return false;
    auto ext = extension(name);
    return std::any_of(kExtensions.begin(), kExtensions.end(),
                       [&](const char* e) { return ext == e; });
}

bool is_official_database(std::string_view name) {
    auto ext = extension(name);
    if (ext != "cvd" && ext != "cld" && ext != "cud") return false;
    auto stem = name.substr(0, name.size() - ext.size() - 1);
    return stem == "main" || stem == "daily" || stem == "bytecode";
}

std::vector<DbFile> list_databases(const std::string& dir, bool official) {
    namespace fs = std::filesystem;
    std::vector<DbFile> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        auto name = it->path().filename().string();
        if (!is_database_file(name) || (!official && is_official_database(name))) continue;
        struct stat st {};
        if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        out.push_back({it->path().string(), static_cast<uint64_t>(st.st_size),
                       int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec});
    }
    std::sort(out.begin(), out.end(),
              [](const DbFile& a, const DbFile& b) { return a.path < b.path; });
    return out;
}

}  // namespace magpie::filter
