// Message digest for the Bayes learned-message list (OpenSSL EVP SHA-256).
#include "filter/bayes_digest.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include "mime/header.h"

namespace magpie::filter {
namespace {

constexpr std::string_view kIdentityFields[] = {"message-id", "date", "from", "to", "subject"};

class Sha256 {
  public:
    Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
        if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
            throw std::runtime_error("SHA-256 init failed");
    }
    void update(std::string_view s) { EVP_DigestUpdate(ctx_.get(), s.data(), s.size()); }
    std::string hex() {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        EVP_DigestFinal_ex(ctx_.get(), md, &len);
        static constexpr char digits[] = "0123456789abcdef";
        std::string out;
        for (unsigned i = 0; i < len; ++i) {
            out += digits[md[i] >> 4];
            out += digits[md[i] & 15];
        }
        return out;
    }

  private:
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

}  // namespace

std::string message_digest(const mime::Message& msg) {
    Sha256 sha;
    for (std::string_view name : kIdentityFields) {
        const mime::HeaderField* f = msg.root.header(name);
        sha.update(name);
        sha.update(":");
        if (f) sha.update(mime::unfold_trim(f->raw_value));
        sha.update("\n");
    }
    sha.update("\n");
    std::string_view body = msg.root.body_bytes(msg.data);
    while (!body.empty() && (body.back() == ' ' || body.back() == '\t' || body.back() == '\r' ||
                             body.back() == '\n'))
        body.remove_suffix(1);
    size_t start = 0;
    while (start < body.size()) {
        size_t cr = body.find('\r', start);
        if (cr == std::string_view::npos) cr = body.size();
        sha.update(body.substr(start, cr - start));
        start = cr + 1;
    }
    return sha.hex();
}

}  // namespace magpie::filter
