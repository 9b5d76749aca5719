// TLS certificate files: the configured pair, or a self-signed one made on first start.
#pragma once
#include <string>

#include "core/config.h"

namespace magpie::net {

struct CertFiles {
    std::string cert;
    std::string key;
};

// Returns cfg's [tls] files, or data_dir/tls/{cert,key}.pem, creating a self-signed
// certificate for cfg.hostname (RSA 2048, SHA-256, 10 years) when they do not exist yet.
CertFiles ensure_certificate(const Config& cfg);

}  // namespace magpie::net
