// crypt(3) wrappers: yescrypt salts from crypt_gensalt_ra, hashing with crypt_ra.
#include "auth/password.h"

#include <crypt.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace magpie::auth {
namespace {

struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
};

// nullopt-like empty string when crypt fails or returns a failure token ("*...").
std::string crypt_string(const std::string& password, const char* setting) {
    void* data = nullptr;
    int size = 0;
    const char* out = crypt_ra(password.c_str(), setting, &data, &size);
    std::unique_ptr<void, FreeDeleter> hold(data);
    if (!out || out[0] == '*') return {};
    return out;
}

}  // namespace

std::string hash_password(std::string_view password) {
    if (password.find('\0') != std::string_view::npos)
        throw std::runtime_error("password contains a NUL byte");
    std::unique_ptr<char, FreeDeleter> salt(crypt_gensalt_ra("$y$", 0, nullptr, 0));
    if (!salt) throw std::runtime_error("crypt_gensalt failed");
    auto hash = crypt_string(std::string(password), salt.get());
    if (hash.empty()) throw std::runtime_error("crypt failed");
    return hash;
}

bool verify_password(std::string_view password, const std::string& hash) {
    if (hash.empty() || hash[0] == '*' || hash[0] == '!') return false;
    if (password.find('\0') != std::string_view::npos) return false;
    auto computed = crypt_string(std::string(password), hash.c_str());
    if (computed.size() != hash.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < hash.size(); ++i)
        diff |= static_cast<unsigned char>(computed[i] ^ hash[i]);
    return diff == 0;
}

}  // namespace magpie::auth
