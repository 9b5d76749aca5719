// RDATA decoders (RFC 1035 §3.3, RFC 3596 for AAAA). libunbound hands us uncompressed
// RDATA, so names are plain label sequences.
#include "dns/records.h"

#include <arpa/inet.h>

#include "core/strings.h"

namespace magpie::dns {

static std::optional<std::string> read_name(std::string_view data, size_t& pos) {
    std::string name;
    for (int labels = 0; labels < 128; ++labels) {
        if (pos >= data.size()) return std::nullopt;
        auto len = static_cast<unsigned char>(data[pos++]);
        if (len == 0) return to_lower(name);
        if (len > 63 || pos + len > data.size()) return std::nullopt;  // no compression here
        if (!name.empty()) name += '.';
        name.append(data.substr(pos, len));
        pos += len;
    }
    return std::nullopt;
}

std::optional<Mx> decode_mx(std::string_view rdata) {
    if (rdata.size() < 3) return std::nullopt;
    Mx mx;
    mx.preference = (static_cast<unsigned char>(rdata[0]) << 8) | static_cast<unsigned char>(rdata[1]);
    size_t pos = 2;
    auto name = read_name(rdata, pos);
    if (!name || pos != rdata.size()) return std::nullopt;
    mx.host = *name;
    return mx;
}

std::optional<std::string> decode_a(std::string_view rdata) {
    if (rdata.size() != 4) return std::nullopt;
    char buf[INET_ADDRSTRLEN];
    return std::string(inet_ntop(AF_INET, rdata.data(), buf, sizeof buf));
}

std::optional<std::string> decode_aaaa(std::string_view rdata) {
    if (rdata.size() != 16) return std::nullopt;
    char buf[INET6_ADDRSTRLEN];
    return std::string(inet_ntop(AF_INET6, rdata.data(), buf, sizeof buf));
}

std::optional<std::string> decode_txt(std::string_view rdata) {
    std::string out;
    size_t pos = 0;
    while (pos < rdata.size()) {
        auto len = static_cast<unsigned char>(rdata[pos++]);
        if (pos + len > rdata.size()) return std::nullopt;
        out.append(rdata.substr(pos, len));  // RFC 7208 §3.3: strings are concatenated
        pos += len;
    }
    return out;
}

std::optional<std::string> decode_name(std::string_view rdata) {
    size_t pos = 0;
    auto name = read_name(rdata, pos);
    if (!name || pos != rdata.size()) return std::nullopt;
    return name;
}

}  // namespace magpie::dns
