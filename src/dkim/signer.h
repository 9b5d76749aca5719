// DKIM signing (RFC 6376 §5, RFC 8463): builds the DKIM-Signature header field to prepend
// to a message. Works on CRLF or bare-LF messages, in one call or streamed in chunks (only
// the header section is buffered, up to kMaxHeaderBytes).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dkim/canon.h"
#include "dkim/crypto.h"

namespace magpie::dkim {

constexpr size_t kMaxHeaderBytes = 1024 * 1024;  // header section buffered while streaming

struct SigningKey {
    std::string domain;                // d=
    std::string selector = "default";  // s=
    PrivateKey key;
};

struct SignOptions {
    // Header fields to sign when present, in this order; empty means default_signed_headers().
    std::vector<std::string> headers;
    // Listed once more than present so none can be added later (RFC 6376 §8.15).
    std::vector<std::string> oversign = {"from"};
    Canon header_canon = Canon::Relaxed;
    Canon body_canon = Canon::Relaxed;
    std::optional<int64_t> timestamp;  // t=; nullopt means now
    int64_t expire_after = 0;          // seconds; > 0 adds x= (RFC 6376 §3.5)
    std::string identity;              // i=, e.g. "@example.org"; empty omits it
    bool body_length = false;          // add l= with the whole body length (not advised)
};

// From, Subject, Date, To, Cc, Message-ID, the MIME and List-* fields, etc.
const std::vector<std::string>& default_signed_headers();

// Streaming signer: write() the message in pieces, then finish().
class Signer {
  public:
    Signer(SigningKey key, SignOptions opts = {});
    void write(std::string_view chunk);
    // The complete "DKIM-Signature: ...\r\n" field. Throws std::runtime_error if the header
    // section exceeded kMaxHeaderBytes or signing failed.
    std::string finish();

  private:
    SigningKey key_;
    SignOptions opts_;
    BodyHasher body_;
    std::string header_;  // buffered header section until the empty line
    bool in_body_ = false;
    bool too_big_ = false;
};

std::string sign(std::string_view message, const SigningKey& key, const SignOptions& opts = {});

}  // namespace magpie::dkim
