// Self-signed certificate generation with OpenSSL 3 for the embedded default.
#include "net/certificate.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

#include "core/fs.h"
#include "core/log.h"

namespace magpie::net {

namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const { F(p); }
};
using PKeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

std::string bio_string(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<size_t>(len));
}

void add_ext(X509* cert, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) throw std::runtime_error("X509V3_EXT_conf_nid failed");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

void make_self_signed(const std::string& host, const std::string& cert_path, const std::string& key_path) {
    PKeyPtr key(EVP_RSA_gen(2048));
    if (!key) throw std::runtime_error("RSA key generation failed");
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(time(nullptr)));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(host.c_str()), -1,
                               -1, 0);
    X509_set_issuer_name(cert.get(), name);
    add_ext(cert.get(), NID_subject_alt_name, "DNS:" + host);
    add_ext(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), NID_ext_key_usage, "serverAuth");
    if (!X509_sign(cert.get(), key.get(), EVP_sha256())) throw std::runtime_error("X509_sign failed");

    BioPtr kb(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    BioPtr cb(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(cb.get(), cert.get());
    fs::write_file_atomic(key_path, bio_string(kb.get()), 0600);
    fs::write_file_atomic(cert_path, bio_string(cb.get()), 0644);
}

}  // namespace

CertFiles ensure_certificate(const Config& cfg) {
    if (!cfg.tls_cert.empty()) return {cfg.tls_cert, cfg.tls_key};
    CertFiles f{cfg.tls_dir() + "/cert.pem", cfg.tls_dir() + "/key.pem"};
    if (std::filesystem::exists(f.cert) && std::filesystem::exists(f.key)) return f;
    fs::make_dirs(cfg.tls_dir());
    make_self_signed(cfg.hostname, f.cert, f.key);
    log::info("tls", "created self-signed certificate for {} in {}", cfg.hostname, cfg.tls_dir());
    return f;
}

}  // namespace magpie::net
