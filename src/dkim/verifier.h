// DKIM verification (RFC 6376 §6, RFC 8463, RFC 8301): checks every DKIM-Signature field
// of a message against keys fetched through a caller-supplied TXT lookup, so this library
// does no I/O. Bounded by VerifyOptions::max_signatures; results use the RFC 8601 names.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::dkim {

// TXT records at `name` (each record's strings already joined). nullopt means a temporary
// DNS failure (temperror); an empty vector means no record / NXDOMAIN (permerror).
using TxtLookup = std::function<std::optional<std::vector<std::string>>(std::string name)>;

enum class Verdict { Pass, Fail, Neutral, TempError, PermError };
std::string_view verdict_name(Verdict v);  // "pass", "fail", ... (RFC 8601 §2.7.1)

struct VerifyResult {
    Verdict verdict = Verdict::PermError;
    std::string reason;     // empty on pass
    std::string domain;     // d=
    std::string selector;   // s=
    std::string algorithm;  // a=
    std::string identity;   // i= (or "@d" when absent)
    bool testing = false;   // the key record has t=y
};

struct VerifyOptions {
    size_t max_signatures = 10;       // later DKIM-Signature fields are ignored
    size_t max_signed_headers = 256;  // longer h= lists are a permerror
    bool allow_sha1 = true;      // rsa-sha1 (RFC 8301 §3.1 says verifiers MUST NOT use it, but
                                 // old mail still carries it; the filter weighs the result)
    std::optional<int64_t> now;  // for x=; nullopt means the clock
};

// One result per DKIM-Signature field, in header order; empty when the message is unsigned.
std::vector<VerifyResult> verify(std::string_view message, const TxtLookup& lookup,
                                 const VerifyOptions& opts = {});

}  // namespace magpie::dkim
