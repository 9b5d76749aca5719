// libFuzzer target: the link-domain scanner of the URI blocklists (URLs, href values,
// host decoding) over arbitrary bytes as a text/plain body, a text/html body and a whole
// message, plus the IP query names.
#include <cstddef>
#include <cstdint>
#include <string>

#include "filter/dnsbl.h"
#include "mime/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace magpie;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto& psl = filter::PublicSuffixList::system();
    for (const char* type : {"text/plain; charset=utf-8", "text/html"}) {
        std::string raw = std::string("Content-Type: ") + type + "\r\n\r\n";
        raw.append(bytes);
        auto msg = mime::parse_message(raw);
        if (filter::dnsbl::link_domains(msg, raw, psl, 8).size() > 8) __builtin_trap();
    }
    auto whole = mime::parse_message(bytes);
    filter::dnsbl::link_domains(whole, bytes, psl);
    if (filter::dnsbl::ip_query_name(bytes, "zen.example").size() > 253) __builtin_trap();
    return 0;
}
