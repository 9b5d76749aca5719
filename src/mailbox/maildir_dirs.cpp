// Making a Maildir's directories (see maildir_dirs.h).
#include "mailbox/maildir_dirs.h"

#include <sys/stat.h>

#include <cerrno>
#include <system_error>

namespace magpie::mailbox {

void make_maildir_dirs(const std::string& dir) {
    for (const char* sub : {"", "/cur", "/new", "/tmp"}) {
        std::string d = dir + sub;
        if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST)
            throw std::system_error(errno, std::generic_category(), "mkdir " + d);
    }
}

}  // namespace magpie::mailbox
