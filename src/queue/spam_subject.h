// The Subject rewrite of flagged spam (setting spam_subject_prefix): what to insert into
// the copies of a queued message that local delivery writes and the outbound client sends.
// The queue file itself stays as received. Reads at most kMaxSubjectHead bytes of it.
#pragma once
#include <cstdint>
#include <optional>

#include "mime/subject_prefix.h"
#include "queue/queue_file.h"
#include "store/settings.h"

namespace magpie::queue {

// Header bytes looked through for the Subject (the default smtp_header_size_limit).
inline constexpr int64_t kMaxSubjectHead = 1 << 20;

// For a message the filter flagged (env.spam) when spam_subject_prefix is set: the
// insertion into the message bytes (offsets relative to their start, `body_offset` in
// `fd`). nullopt otherwise, when already prefixed, or when the file cannot be read.
std::optional<mime::HeaderInsertion> spam_subject_insertion(const Envelope& env,
                                                            const store::Settings& s, int fd,
                                                            int64_t body_offset);

}  // namespace magpie::queue
