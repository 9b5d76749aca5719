// RFC 5256 §2.1 steps 1-6 on UTF-8 text. The ABNF pieces (subj-trailer, subj-leader,
// subj-refwd, subj-blob, subj-fwd-hdr/-trl) are matched ASCII-case-insensitively.
#include "imap/session/base_subject.h"

#include "core/strings.h"
#include "imap/session/sort.h"

namespace magpie::imap {

namespace {

bool wsp(char c) {
    return c == ' ' || c == '\t';
}

// Step 1: tabs and line ends become spaces; runs of spaces become one.
std::string collapse_whitespace(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        if (space) {
            if (out.empty() || out.back() != ' ') out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// Length of the subj-blob at `pos` ("[" *BLOBCHAR "]" *WSP), or 0.
size_t blob_at(std::string_view s, size_t pos) {
    if (pos >= s.size() || s[pos] != '[') return 0;
    size_t i = pos + 1;
    while (i < s.size() && s[i] != '[' && s[i] != ']') ++i;
    if (i >= s.size() || s[i] != ']') return 0;
    ++i;
    while (i < s.size() && wsp(s[i])) ++i;
    return i - pos;
}

// Length of the subj-refwd at `pos` (("re" / ("fw" ["d"])) *WSP [subj-blob] ":"), or 0.
size_t refwd_at(std::string_view s, size_t pos) {
    std::string_view rest = s.substr(pos);
    size_t i;
    if (istarts_with(rest, "re"))
        i = 2;
    else if (istarts_with(rest, "fwd"))
        i = 3;
    else if (istarts_with(rest, "fw"))
        i = 2;
    else
        return 0;
    auto colon_after = [&](size_t k) -> size_t {
        while (k < rest.size() && wsp(rest[k])) ++k;
        k += blob_at(rest, k);
        return k < rest.size() && rest[k] == ':' ? k + 1 : 0;
    };
    // After a failed "fwd", "fw" cannot match either: 'd' is no WSP, "[" or ":".
    return colon_after(i);
}

// Step 2: subj-trailer = "(fwd)" / WSP, removed repeatedly from the end.
bool strip_trailers(std::string& s) {
    bool fwd = false;
    for (;;) {
        if (!s.empty() && wsp(s.back())) {
            s.pop_back();
        } else if (s.size() >= 5 && iequals(std::string_view(s).substr(s.size() - 5), "(fwd)")) {
            s.resize(s.size() - 5);
            fwd = true;
        } else {
            return fwd;
        }
    }
}

// Step 3: one subj-leader ((*subj-blob subj-refwd) / WSP) at the start; its length or 0.
size_t leader_at_start(std::string_view s, bool& refwd) {
    if (!s.empty() && wsp(s[0])) return 1;
    size_t pos = 0;
    for (;;) {
        size_t r = refwd_at(s, pos);
        if (r) {
            refwd = true;
            return pos + r;
        }
        size_t b = blob_at(s, pos);
        if (!b) return 0;
        pos += b;
    }
}

bool has_nonwsp(std::string_view s) {
    for (char c : s)
        if (!wsp(c)) return true;
    return false;
}

}  // namespace

BaseSubject extract_base_subject(std::string_view subject) {
    BaseSubject out;
    std::string s = collapse_whitespace(subject);
    for (;;) {
        if (strip_trailers(s)) out.reply_or_forward = true;
        for (bool changed = true; changed;) {  // step 5: repeat steps 3 and 4
            changed = false;
            bool refwd = false;
            while (size_t n = leader_at_start(s, refwd)) {
                s.erase(0, n);
                changed = true;
            }
            if (refwd) out.reply_or_forward = true;
            size_t b = blob_at(s, 0);
            if (b && has_nonwsp(std::string_view(s).substr(b))) {
                s.erase(0, b);
                changed = true;
            }
        }
        // Step 6: "[fwd:" subj-base "]" unwraps, then back to step 2.
        if (s.size() >= 6 && istarts_with(s, "[fwd:") && s.back() == ']') {
            s = s.substr(5, s.size() - 6);
            out.reply_or_forward = true;
            continue;
        }
        break;
    }
    out.text = std::move(s);
    return out;
}

std::string base_subject(std::string_view subject) {
    return extract_base_subject(subject).text;
}

}  // namespace magpie::imap
