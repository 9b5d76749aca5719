// Per-domain DKIM keys on disk: DIR/<domain>/default.key (PEM, mode 0600) and, when signing
// is switched off for the domain, an empty marker file DIR/<domain>/disabled. DIR is
// data_dir/dkim. A rotated-out key is kept as default.key.old for reference.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "dkim/crypto.h"
#include "dkim/signer.h"

namespace magpie::dkim {

constexpr std::string_view kDefaultSelector = "default";

class KeyStore {
  public:
    explicit KeyStore(std::string dir) : dir_(std::move(dir)) {}

    std::string domain_dir(std::string_view domain) const;
    std::string key_path(std::string_view domain) const;

    // The domain's key; nullopt when there is none. Throws std::runtime_error when the file
    // exists but is not a usable key.
    std::optional<PrivateKey> load(std::string_view domain) const;
    // Makes a key only when the domain has none; returns the key either way.
    PrivateKey ensure(std::string_view domain, KeyType type = KeyType::Rsa) const;
    // Replaces the key with a new one (the old one is kept as default.key.old).
    PrivateKey rotate(std::string_view domain, KeyType type) const;

    bool enabled(std::string_view domain) const;  // true unless the marker exists
    void set_enabled(std::string_view domain, bool on) const;

    // What the outbound path needs: the key when signing is on and a key exists.
    std::optional<SigningKey> signing_key(std::string_view domain) const;

  private:
    void write_key(std::string_view domain, const PrivateKey& key) const;
    std::string dir_;
};

}  // namespace magpie::dkim
