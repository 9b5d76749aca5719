// DKIM crypto over OpenSSL 3 EVP: private keys (generate, PEM in and out), public keys from
// the DNS p= tag, SHA-1/SHA-256 digests, and sign/verify of a precomputed header hash input.
// RSA keys below kMinRsaBits are refused for verification (RFC 8301 §3.2).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace magpie::dkim {

enum class KeyType { Rsa, Ed25519 };
enum class HashAlg { Sha1, Sha256 };

constexpr int kDefaultRsaBits = 2048;
constexpr int kMinRsaBits = 1024;  // RFC 8301 §3.2: verifiers MUST NOT consider shorter keys

// "rsa" / "ed25519", the k= tag value (RFC 6376 §3.6.1, RFC 8463 §4).
std::string_view key_type_name(KeyType t);
std::optional<KeyType> parse_key_type(std::string_view name);

using PkeyPtr = std::shared_ptr<EVP_PKEY>;

// A private signing key. Copies share the same immutable EVP_PKEY.
class PrivateKey {
  public:
    // RSA (of `rsa_bits`) or Ed25519. Throws std::runtime_error on failure.
    static PrivateKey generate(KeyType type, int rsa_bits = kDefaultRsaBits);
    // Reads a PEM private key (PKCS#8 or traditional RSA); nullopt when unreadable or of
    // another type.
    static std::optional<PrivateKey> from_pem(std::string_view pem);

    KeyType type() const { return type_; }
    std::string to_pem() const;  // PKCS#8, unencrypted
    // The p= value: base64 of SubjectPublicKeyInfo for RSA (RFC 6376 §3.6.1), of the raw
    // 32-byte public key for Ed25519 (RFC 8463 §4).
    std::string public_key_base64() const;
    // Signs `data`: RSASSA-PKCS1-v1_5 over its SHA-256 (RFC 6376 §3.3.1), or PureEdDSA over
    // the SHA-256 of `data` for Ed25519 (RFC 8463 §3).
    std::string sign(std::string_view data) const;

  private:
    PrivateKey(PkeyPtr k, KeyType t) : key_(std::move(k)), type_(t) {}
    PkeyPtr key_;
    KeyType type_;
};

// A public key as published in DNS.
class PublicKey {
  public:
    // `der` is the decoded p= value. For RSA both SubjectPublicKeyInfo and a bare PKCS#1
    // RSAPublicKey are accepted (some old records publish the latter).
    static std::optional<PublicKey> from_dns(KeyType type, std::string_view der);
    KeyType type() const { return type_; }
    int bits() const;
    bool verify(HashAlg hash, std::string_view data, std::string_view signature) const;

  private:
    PublicKey(PkeyPtr k, KeyType t) : key_(std::move(k)), type_(t) {}
    PkeyPtr key_;
    KeyType type_;
};

// Incremental SHA-1/SHA-256.
class Digest {
  public:
    explicit Digest(HashAlg alg);
    ~Digest();
    Digest(const Digest&) = delete;
    Digest& operator=(const Digest&) = delete;
    Digest(Digest&&) noexcept;
    void update(std::string_view data);
    std::string finish();  // raw digest bytes

  private:
    EVP_MD_CTX* ctx_;
};

std::string digest(HashAlg alg, std::string_view data);

}  // namespace magpie::dkim
