// Reads the start of a queued message and asks mime::subject_prefix_insertion() where the
// spam prefix goes (see spam_subject.h).
#include "queue/spam_subject.h"

#include <algorithm>
#include <string>

#include "core/fs.h"

namespace magpie::queue {

std::optional<mime::HeaderInsertion> spam_subject_insertion(const Envelope& env,
                                                            const store::Settings& s, int fd,
                                                            int64_t body_offset) {
    if (!env.spam || s.spam_subject_prefix.empty() || fd < 0) return std::nullopt;
    int64_t want = std::min<int64_t>(env.size, kMaxSubjectHead);
    std::string head(static_cast<size_t>(std::max<int64_t>(want, 0)), '\0');
    if (fs::read_at(fd, head.data(), head.size(), static_cast<off_t>(body_offset)) !=
        static_cast<ssize_t>(head.size()))
        return std::nullopt;  // shorter than its envelope says: leave it alone
    return mime::subject_prefix_insertion(head, s.spam_subject_prefix, want == env.size);
}

}  // namespace magpie::queue
