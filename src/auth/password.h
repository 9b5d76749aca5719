// Password hashing with libcrypt: new hashes are yescrypt ("$y$"); verification accepts any
// crypt(3) scheme libcrypt knows, so imported SHA-512 ("$6$") or bcrypt hashes keep working.
#pragma once
#include <string>
#include <string_view>

namespace magpie::auth {

// Throws std::runtime_error when libcrypt fails (no entropy, unsupported scheme).
std::string hash_password(std::string_view password);
// False for an empty or malformed hash. Compares in constant time.
bool verify_password(std::string_view password, const std::string& hash);

}  // namespace magpie::auth
