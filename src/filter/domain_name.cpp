// Domain name normalisation for comparison and queries: IDN to A-labels, RFC 1035 §2.3.4
// limits (63-octet labels, 253-octet names without the final dot).
#include "filter/domain_name.h"

#include "filter/punycode.h"

namespace magpie::filter {
namespace {

constexpr size_t kMaxLabelOctets = 63;
constexpr size_t kMaxNameOctets = 253;

bool name_byte(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

std::string normalise_domain(std::string_view name) {
    if (name.ends_with('.')) name.remove_suffix(1);
    std::string out = domain_to_ascii(name);
    if (out.empty() || out.size() > kMaxNameOctets) return {};
    size_t label = 0;
    for (char c : out) {
        if (c == '.') {
            if (label == 0) return {};
            label = 0;
        } else if (!name_byte(c) || ++label > kMaxLabelOctets) {
            return {};
        }
    }
    return label == 0 ? std::string() : out;
}

}  // namespace magpie::filter
