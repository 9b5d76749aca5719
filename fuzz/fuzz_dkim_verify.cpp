// Fuzzes the DKIM verifier over arbitrary messages with a fixed key lookup (the RFC 8463
// example keys: "brisbane" Ed25519, any other selector RSA; "temp*" selectors fail DNS,
// "none*" have no record). Also checks that the body hasher gives the same hash however
// the body is chunked, and parses the input as a key record. Must never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dkim/canon.h"
#include "dkim/key_record.h"
#include "dkim/verifier.h"

namespace {

const std::string kEd = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const std::string kRsa =
    "v=DKIM1; k=rsa; "
    "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/"
    "J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/"
    "8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";

std::optional<std::vector<std::string>> lookup(std::string name) {
    if (name.starts_with("temp")) return std::nullopt;
    if (name.starts_with("none")) return std::vector<std::string>{};
    if (name.starts_with("brisbane.")) return std::vector<std::string>{kEd};
    return std::vector<std::string>{kRsa};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace magpie::dkim;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    VerifyOptions opts;
    opts.now = 0;
    auto results = verify(in, lookup, opts);
    if (results.size() > opts.max_signatures) __builtin_trap();

    // The same bytes as a DNS key record.
    if (auto rec = parse_key_record(in))
        for (auto t : {KeyType::Rsa, KeyType::Ed25519})
            (void)PublicKey::from_dns(t, rec->public_key);

    size_t cut = size ? data[0] % (size + 1) : 0;
    for (auto c : {Canon::Simple, Canon::Relaxed}) {
        BodyHasher whole(c, HashAlg::Sha256), split(c, HashAlg::Sha256);
        whole.update(in);
        split.update(in.substr(0, cut));
        split.update(in.substr(cut));
        if (whole.finish() != split.finish()) __builtin_trap();
    }
    return 0;
}
