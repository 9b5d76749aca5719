// DKIM canonicalization (RFC 6376 §3.4): "simple" and "relaxed" for header fields, and a
// streaming body canonicalizer that feeds a hash, honours the l= length limit and accepts
// CRLF or bare LF line ends in any chunking.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dkim/crypto.h"

namespace magpie::dkim {

enum class Canon { Simple, Relaxed };

std::string_view canon_name(Canon c);
std::optional<Canon> parse_canon(std::string_view name);

// `raw` is one whole field ("Name: value\r\n" with any folding). Returns the canonical form,
// ending in CRLF (RFC 6376 §3.4.1, §3.4.2).
std::string canon_header(Canon c, std::string_view raw);

// Canonicalizes body text given in chunks of any size (RFC 6376 §3.4.3, §3.4.4). Trailing
// empty lines are held back until content follows, so memory stays bounded by the number
// of such lines as a counter, never their text.
class BodyCanonicalizer {
  public:
    explicit BodyCanonicalizer(Canon c) : canon_(c) {}
    // Appends the canonical form of what can be decided so far to `out`.
    void update(std::string_view chunk, std::string& out);
    // Appends the rest (the final CRLF rules). Call once.
    void finish(std::string& out);

  private:
    void content(char c, std::string& out);
    void end_line(std::string& out);

    Canon canon_;
    uint64_t produced_ = 0;     // canonical bytes output so far
    uint64_t blank_lines_ = 0;  // empty lines not yet output (dropped if at the end)
    bool line_has_content_ = false;
    bool pending_wsp_ = false;  // relaxed: whitespace seen, output as one SP if not trailing
    bool pending_cr_ = false;   // a CR whose LF may come in the next chunk
};

// Canonicalizes and hashes a body, hashing only the first `limit` canonical bytes when
// given (the l= tag, RFC 6376 §3.5).
class BodyHasher {
  public:
    BodyHasher(Canon c, HashAlg alg, std::optional<uint64_t> limit = std::nullopt);
    void update(std::string_view chunk);
    std::string finish();  // the raw hash (bh= before base64); call once
    uint64_t canonical_length() const { return length_; }  // all canonical bytes seen

  private:
    void hash(std::string& buf);

    BodyCanonicalizer canon_;
    Digest digest_;
    std::optional<uint64_t> limit_;
    uint64_t length_ = 0;
    std::string buf_;
};

// Canonical body in one go, for tests and small messages.
std::string canon_body(Canon c, std::string_view body);

}  // namespace magpie::dkim
