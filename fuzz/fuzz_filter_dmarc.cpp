// libFuzzer target: the DMARC record parser, the Public Suffix List parser and lookup, and
// the domain normalisation (Punycode) over arbitrary bytes. The first byte picks how the
// input splits into a list text and a name to look up.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "filter/dmarc.h"
#include "filter/domain_name.h"
#include "filter/public_suffix.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace magpie::filter;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    if (auto r = dmarc::parse_record(bytes)) {
        if (r->pct < 0 || r->pct > 100) __builtin_trap();
        if (r->p != dmarc::Policy::None && r->p != dmarc::Policy::Quarantine &&
            r->p != dmarc::Policy::Reject)
            __builtin_trap();
    }
    // The name against the system list, and against a list parsed from the input.
    std::string org = PublicSuffixList::system().organizational_domain(bytes);
    if (org.size() > bytes.size()) __builtin_trap();
    size_t cut = size ? data[0] % (size + 1) : 0;
    auto list = PublicSuffixList::parse(bytes.substr(0, cut));
    list.organizational_domain(bytes.substr(cut));
    std::string name = normalise_domain(bytes);
    if (name.size() > 253) __builtin_trap();
    return 0;
}
