// Sending a delivery status notification: the DSN (queue/dsn.h) about an entry is written
// into the queue with the null sender, addressed to the envelope sender — or, when the
// sender cannot receive mail (an unknown or disabled local address), to the postmaster of
// its domain, as Postfix's double bounce does. The caller hands the new entry to the
// delivery agent. Used by the outbound queue manager and by local delivery.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "queue/dsn.h"
#include "queue/queue_file.h"
#include "store/directory.h"

namespace magpie::queue {

// Messages up to this size are read whole for the DSN; larger ones give their header only.
inline constexpr int64_t kMaxOriginalForDsn = 10 << 20;

// Writes and commits the DSN; returns its queue ID, or "" when nobody can receive it.
// Throws std::system_error when the queue cannot be written.
std::string queue_dsn(const std::string& queue_dir, const std::string& hostname,
                      const Envelope& env, std::vector<DsnRecipient> rcpts,
                      std::string_view original, const store::Snapshot& snap);

// The original message for a DSN from `size` bytes at `offset` of `fd`: whole up to
// kMaxOriginalForDsn, else its header (looked for in the first MiB).
std::string dsn_original(int fd, int64_t offset, int64_t size);

}  // namespace magpie::queue
