// UIDVALIDITY for a folder whose UIDs are new: never a value the user's Maildir handed out
// before, even when a folder is deleted and re-created within the same second (RFC 9051
// §2.3.1.1: a name re-used for a new mailbox MUST get a new UIDVALIDITY). The last value
// given is kept in "<root>/magpie-uidvalidity" (decimal), read and written under flock so
// that concurrent sessions and processes of one user never take the same one.
#pragma once
#include <cstdint>
#include <string>

namespace magpie::mailbox {

// The Maildir++ root of the folder in `dir`: its parent for a ".Name" folder, else `dir`.
std::string maildir_root_of(const std::string& dir);

// max(`wanted`, last value given + 1), recorded as the last value given. Falls back to
// `wanted` when the file cannot be opened (a read-only root).
uint32_t next_uidvalidity(const std::string& root, uint32_t wanted);

}  // namespace magpie::mailbox
