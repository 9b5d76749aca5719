// DKIM public key records published in DNS TXT at SELECTOR._domainkey.DOMAIN
// (RFC 6376 §3.6.1, RFC 8463 §4), parsed and formatted.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dkim/crypto.h"

namespace magpie::dkim {

struct KeyRecord {
    std::string key_type = "rsa";     // k=, lower case; may name an unknown type
    std::vector<std::string> hashes;  // h=, empty means any
    std::string public_key;           // p=, decoded; empty means revoked
    bool testing = false;             // t=y
    bool strict = false;              // t=s: i= must be in d= exactly, no subdomain
    bool service_email = true;        // s= is "*" or lists "email"
};

// nullopt and *error on a malformed record (bad v=, bad base64 in p=, missing p=).
std::optional<KeyRecord> parse_key_record(std::string_view txt, std::string* error = nullptr);

// "v=DKIM1; k=rsa; p=BASE64" for a key, the value to publish.
std::string key_record_text(const PrivateKey& key);

// A BIND zone-file line for the record, the TXT data split into quoted strings of at most
// 255 bytes inside parentheses (RFC 1035 §3.3.14 character-string limit):
// default._domainkey.example.org. IN TXT ( "v=DKIM1; k=rsa; " "p=MIIB..." "..." )
std::string bind_zone_line(std::string_view selector, std::string_view domain,
                           std::string_view txt);

// The DNS name of a key: SELECTOR._domainkey.DOMAIN (RFC 6376 §3.6.2.1).
std::string key_dns_name(std::string_view selector, std::string_view domain);

}  // namespace magpie::dkim
