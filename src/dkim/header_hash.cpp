// The header hash input, RFC 6376 §3.7 and §5.4.2.
#include "dkim/header_hash.h"

#include "core/strings.h"

namespace magpie::dkim {

std::string header_hash_input(const std::vector<HeaderField>& headers,
                              const std::vector<std::string>& signed_names, Canon canon,
                              std::string_view sig_field) {
    std::string out;
    std::vector<bool> used(headers.size(), false);
    for (auto& name : signed_names) {
        for (size_t i = headers.size(); i-- > 0;) {
            if (used[i] || !iequals(headers[i].name, name)) continue;
            used[i] = true;
            out += canon_header(canon, headers[i].raw);
            break;
        }
    }
    std::string sig = canon_header(canon, sig_field);
    if (sig.ends_with("\r\n")) sig.resize(sig.size() - 2);
    out += sig;
    return out;
}

}  // namespace magpie::dkim
