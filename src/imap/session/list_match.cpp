// LIST pattern matching with "*" and "%" wildcards.
#include "imap/session/list_match.h"

#include <vector>

#include "core/strings.h"

namespace magpie::imap {

std::string canonical_pattern(std::string_view pattern) {
    std::string p(pattern);
    if (p.size() >= 5 && to_lower(p.substr(0, 5)) == "inbox" && (p.size() == 5 || p[5] == '.')) {
        p.replace(0, 5, "INBOX");
    }
    return p;
}

// Iterative matcher with backtracking over the last wildcard; "%" may not cross ".".
bool list_match(std::string_view pattern, std::string_view name) {
    // Dynamic programming over positions keeps the worst case at O(|pattern| * |name|).
    std::vector<char> cur(name.size() + 1, 0), next(name.size() + 1, 0);
    cur[0] = 1;
    for (char pc : pattern) {
        std::fill(next.begin(), next.end(), 0);
        if (pc == '*') {
            char reach = 0;
            for (size_t i = 0; i <= name.size(); ++i) {
                reach |= cur[i];
                next[i] = reach;
            }
        } else if (pc == '%') {
            char reach = 0;
            for (size_t i = 0; i <= name.size(); ++i) {
                reach |= cur[i];
                next[i] = reach;
                if (i < name.size() && name[i] == '.') reach = 0;
            }
        } else {
            for (size_t i = 0; i < name.size(); ++i) {
                if (cur[i] && name[i] == pc) next[i + 1] = 1;
            }
        }
        cur.swap(next);
    }
    return cur[name.size()] != 0;
}

}  // namespace magpie::imap
