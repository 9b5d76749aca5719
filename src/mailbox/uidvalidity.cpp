// next_uidvalidity(): a per-user counter file under flock (see uidvalidity.h).
#include "mailbox/uidvalidity.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace magpie::mailbox {

std::string maildir_root_of(const std::string& dir) {
    std::string d = dir;
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    size_t slash = d.rfind('/');
    if (slash == std::string::npos) return d;
    if (slash + 1 < d.size() && d[slash + 1] == '.') return d.substr(0, slash ? slash : 1);
    return d;
}

uint32_t next_uidvalidity(const std::string& root, uint32_t wanted) {
    std::string path = root + "/magpie-uidvalidity";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return wanted;
    ::flock(fd, LOCK_EX);
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    uint32_t last = n > 0 ? static_cast<uint32_t>(std::strtoul(buf, nullptr, 10)) : 0;
    uint32_t v = wanted > last ? wanted : last + 1;
    if (v == 0) v = 1;  // UIDVALIDITY is a nz-number
    std::string text = std::to_string(v) + "\n";
    if (::pwrite(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()))
        (void)::ftruncate(fd, static_cast<off_t>(text.size()));
    ::flock(fd, LOCK_UN);
    ::close(fd);
    return v;
}

}  // namespace magpie::mailbox
