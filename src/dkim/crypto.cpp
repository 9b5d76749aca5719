// DKIM crypto over OpenSSL 3 EVP: keys, digests, signatures.
#include "dkim/crypto.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdexcept>

#include "core/base64.h"

namespace magpie::dkim {
namespace {

// Failed parses leave entries in OpenSSL's per-thread error queue, where a TLS session on the
// same thread would later find them (SSL_get_error); clear them on every failure path.
struct ClearErrors {
    ~ClearErrors() { ERR_clear_error(); }
};

PkeyPtr wrap(EVP_PKEY* k) {
    return PkeyPtr(k, EVP_PKEY_free);
}

std::optional<KeyType> type_of(EVP_PKEY* k) {
    if (EVP_PKEY_is_a(k, "RSA")) return KeyType::Rsa;
    if (EVP_PKEY_is_a(k, "ED25519")) return KeyType::Ed25519;
    return std::nullopt;
}

const EVP_MD* md_of(HashAlg h) {
    return h == HashAlg::Sha1 ? EVP_sha1() : EVP_sha256();
}

struct MdCtx {
    EVP_MD_CTX* p = EVP_MD_CTX_new();
    ~MdCtx() { EVP_MD_CTX_free(p); }
};

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::string_view key_type_name(KeyType t) {
    return t == KeyType::Rsa ? "rsa" : "ed25519";
}

std::optional<KeyType> parse_key_type(std::string_view name) {
    if (name == "rsa") return KeyType::Rsa;
    if (name == "ed25519") return KeyType::Ed25519;
    return std::nullopt;
}

PrivateKey PrivateKey::generate(KeyType type, int rsa_bits) {
    EVP_PKEY* k = type == KeyType::Rsa
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits))
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (!k) throw std::runtime_error("DKIM key generation failed");
    return PrivateKey(wrap(k), type);
}

std::optional<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
    ClearErrors clear;
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (!bio) return std::nullopt;
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!k) return std::nullopt;
    auto p = wrap(k);
    auto t = type_of(k);
    if (!t) return std::nullopt;
    return PrivateKey(p, *t);
}

std::string PrivateKey::to_pem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    if (!bio) throw std::runtime_error("out of memory");
    std::string out;
    if (PEM_write_bio_PrivateKey(bio, key_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1) {
        char* data = nullptr;
        long n = BIO_get_mem_data(bio, &data);
        out.assign(data, static_cast<size_t>(n));
    }
    BIO_free(bio);
    if (out.empty()) throw std::runtime_error("cannot encode the DKIM key as PEM");
    return out;
}

std::string PrivateKey::public_key_base64() const {
    std::string raw;
    if (type_ == KeyType::Ed25519) {
        size_t len = 0;
        EVP_PKEY_get_raw_public_key(key_.get(), nullptr, &len);
        raw.resize(len);
        EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(raw.data()), &len);
        raw.resize(len);
    } else {
        int len = i2d_PUBKEY(key_.get(), nullptr);
        if (len <= 0) throw std::runtime_error("cannot encode the DKIM public key");
        raw.resize(static_cast<size_t>(len));
        auto* p = reinterpret_cast<unsigned char*>(raw.data());
        i2d_PUBKEY(key_.get(), &p);
    }
    return base64_encode(raw);
}

std::string PrivateKey::sign(std::string_view data) const {
    MdCtx ctx;
    std::string hashed;
    std::string_view input = data;
    const EVP_MD* md = EVP_sha256();
    if (type_ == KeyType::Ed25519) {
        // RFC 8463 §3: Ed25519 signs the SHA-256 hash of the header hash input.
        hashed = digest(HashAlg::Sha256, data);
        input = hashed;
        md = nullptr;
    }
    if (!ctx.p || EVP_DigestSignInit(ctx.p, nullptr, md, nullptr, key_.get()) != 1)
        throw std::runtime_error("DKIM signing init failed");
    size_t len = 0;
    if (EVP_DigestSign(ctx.p, nullptr, &len, bytes(input), input.size()) != 1)
        throw std::runtime_error("DKIM signing failed");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.p, reinterpret_cast<unsigned char*>(sig.data()), &len, bytes(input),
                       input.size()) != 1)
        throw std::runtime_error("DKIM signing failed");
    sig.resize(len);
    return sig;
}

std::optional<PublicKey> PublicKey::from_dns(KeyType type, std::string_view der) {
    ClearErrors clear;
    EVP_PKEY* k = nullptr;
    if (type == KeyType::Ed25519) {
        // RFC 8463 §4: p= is the bare 32-byte public key.
        if (der.size() != 32) return std::nullopt;
        k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(der), der.size());
    } else {
        const unsigned char* p = bytes(der);
        k = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
        if (!k) {
            p = bytes(der);
            k = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size()));
        }
    }
    if (!k) return std::nullopt;
    auto ptr = wrap(k);
    if (type_of(k) != type) return std::nullopt;
    return PublicKey(ptr, type);
}

int PublicKey::bits() const {
    return EVP_PKEY_get_bits(key_.get());
}

bool PublicKey::verify(HashAlg hash, std::string_view data, std::string_view signature) const {
    ClearErrors clear;
    MdCtx ctx;
    if (!ctx.p) return false;
    std::string hashed;
    std::string_view input = data;
    const EVP_MD* md = md_of(hash);
    if (type_ == KeyType::Ed25519) {
        hashed = digest(HashAlg::Sha256, data);  // RFC 8463 §3
        input = hashed;
        md = nullptr;
    }
    if (EVP_DigestVerifyInit(ctx.p, nullptr, md, nullptr, key_.get()) != 1) return false;
    return EVP_DigestVerify(ctx.p, bytes(signature), signature.size(), bytes(input),
                            input.size()) == 1;
}

Digest::Digest(HashAlg alg) : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_, md_of(alg), nullptr) != 1) {
        EVP_MD_CTX_free(ctx_);
        throw std::runtime_error("digest init failed");
    }
}

Digest::~Digest() {
    EVP_MD_CTX_free(ctx_);
}

Digest::Digest(Digest&& o) noexcept : ctx_(o.ctx_) {
    o.ctx_ = nullptr;
}

void Digest::update(std::string_view data) {
    if (!data.empty()) EVP_DigestUpdate(ctx_, data.data(), data.size());
}

std::string Digest::finish() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
}

std::string digest(HashAlg alg, std::string_view data) {
    Digest d(alg);
    d.update(data);
    return d.finish();
}

}  // namespace magpie::dkim
