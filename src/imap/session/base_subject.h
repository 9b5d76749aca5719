// RFC 5256 §2.1 base subject extraction, with the reply/forward indication THREAD=REFERENCES
// needs (RFC 5256 §4 step 5). sort.h declares the plain base_subject() for other callers.
#pragma once
#include <string>
#include <string_view>

namespace magpie::imap {

struct BaseSubject {
    std::string text;
    // A "Re:"/"Fw:"/"Fwd:" leader, "(fwd)" trailer or "[fwd: ...]" wrapper was removed.
    bool reply_or_forward = false;
};

// `subject` is already decoded (RFC 2047) to UTF-8. Case is kept; callers compare folded.
BaseSubject extract_base_subject(std::string_view subject);

}  // namespace magpie::imap
