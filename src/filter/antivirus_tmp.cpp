// Picks libclamav's temporary folder: tmpfs when there is one we can own a folder in.
#include "filter/antivirus_tmp.h"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace magpie::filter {
namespace {

bool is_tmpfs(const std::string& path) {
    struct statfs fs {};
    return ::statfs(path.c_str(), &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}

// `path` exists or was made (mode 0700) and is a real folder owned by us with no access for
// others: nobody else can plant files or links in it.
bool private_dir(const std::string& path) {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return false;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid())
        return false;
    if ((st.st_mode & 077) != 0 && ::chmod(path.c_str(), 0700) != 0) return false;
    return ::access(path.c_str(), W_OK | X_OK) == 0;
}

// Every missing folder of `path`, each 0700.
bool make_dirs(const std::string& path) {
    for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1))
        if (::mkdir(path.substr(0, pos).c_str(), 0700) != 0 && errno != EEXIST) return false;
    return private_dir(path);
}

}  // namespace

std::string choose_scan_tmp_dir(const std::vector<std::string>& tmpfs_bases,
                                const std::string& fallback) {
    std::string name = "magpie-" + std::to_string(::geteuid());
    for (const auto& base : tmpfs_bases) {
        if (!is_tmpfs(base) || ::access(base.c_str(), W_OK | X_OK) != 0) continue;
        std::string dir = base + "/" + name;
        if (private_dir(dir)) return dir;
    }
    return make_dirs(fallback) ? fallback : std::string();
}

std::string default_scan_tmp_dir(const std::string& data_dir) {
    const char* env = std::getenv("TMPDIR");
    if (env && *env) return {};
    return choose_scan_tmp_dir({"/dev/shm", "/tmp"}, data_dir + "/tmp/clamav");
}

}  // namespace magpie::filter
