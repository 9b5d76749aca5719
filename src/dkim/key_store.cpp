// Per-domain DKIM keys stored as PEM files under data_dir/dkim.
#include "dkim/key_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "core/fs.h"
#include "core/strings.h"

namespace magpie::dkim {
namespace {

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// Domain names were validated by the service layer; refuse anything path-like anyway.
std::string safe_domain(std::string_view domain) {
    auto d = to_lower(domain);
    if (d.empty() || d.find('/') != std::string::npos || d.front() == '.')
        throw std::runtime_error("bad domain name for a DKIM key: '" + d + "'");
    return d;
}

}  // namespace

std::string KeyStore::domain_dir(std::string_view domain) const {
    return dir_ + "/" + safe_domain(domain);
}

std::string KeyStore::key_path(std::string_view domain) const {
    return domain_dir(domain) + "/" + std::string(kDefaultSelector) + ".key";
}

std::optional<PrivateKey> KeyStore::load(std::string_view domain) const {
    auto path = key_path(domain);
    if (!file_exists(path)) return std::nullopt;
    auto key = PrivateKey::from_pem(fs::read_file(path));
    if (!key) throw std::runtime_error(path + " is not an RSA or Ed25519 private key");
    return key;
}

void KeyStore::write_key(std::string_view domain, const PrivateKey& key) const {
    fs::make_dirs(domain_dir(domain), 0700);
    fs::write_file_atomic(key_path(domain), key.to_pem(), 0600);
}

PrivateKey KeyStore::ensure(std::string_view domain, KeyType type) const {
    if (auto k = load(domain)) return *k;
    auto key = PrivateKey::generate(type);
    write_key(domain, key);
    return key;
}

PrivateKey KeyStore::rotate(std::string_view domain, KeyType type) const {
    auto path = key_path(domain);
    auto key = PrivateKey::generate(type);
    if (file_exists(path)) fs::write_file_atomic(path + ".old", fs::read_file(path), 0600);
    write_key(domain, key);
    return key;
}

bool KeyStore::enabled(std::string_view domain) const {
    return !file_exists(domain_dir(domain) + "/disabled");
}

void KeyStore::set_enabled(std::string_view domain, bool on) const {
    auto marker = domain_dir(domain) + "/disabled";
    if (on) {
        if (::unlink(marker.c_str()) != 0 && errno != ENOENT)
            throw std::system_error(errno, std::generic_category(), "unlink " + marker);
        return;
    }
    fs::make_dirs(domain_dir(domain), 0700);
    fs::write_file_atomic(marker, "", 0600);
}

std::optional<SigningKey> KeyStore::signing_key(std::string_view domain) const {
    if (!enabled(domain)) return std::nullopt;
    auto key = load(domain);
    if (!key) return std::nullopt;
    return SigningKey{to_lower(domain), std::string(kDefaultSelector), *key};
}

}  // namespace magpie::dkim
