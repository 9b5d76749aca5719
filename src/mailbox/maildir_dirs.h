// Making a Maildir's own directory and its cur/, new/ and tmp/.
#pragma once
#include <string>

namespace magpie::mailbox {

// Makes `dir` and its cur/, new/ and tmp/ (mode 0700), keeping any that exist. The parent
// of `dir` must exist. Throws std::system_error.
void make_maildir_dirs(const std::string& dir);

}  // namespace magpie::mailbox
