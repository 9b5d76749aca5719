// DKIM verification, RFC 6376 §6 (with RFC 8463 ed25519-sha256 and RFC 8301 key sizes).
#include "dkim/verifier.h"

#include <charconv>
#include <ctime>

#include "core/base64.h"
#include "core/strings.h"
#include "dkim/canon.h"
#include "dkim/crypto.h"
#include "dkim/header_hash.h"
#include "dkim/key_record.h"
#include "dkim/message.h"
#include "dkim/tags.h"

namespace magpie::dkim {
namespace {

struct Algorithm {
    KeyType key;
    HashAlg hash;
};

std::optional<Algorithm> parse_algorithm(std::string_view a) {
    if (a == "rsa-sha256") return Algorithm{KeyType::Rsa, HashAlg::Sha256};
    if (a == "rsa-sha1") return Algorithm{KeyType::Rsa, HashAlg::Sha1};
    if (a == "ed25519-sha256") return Algorithm{KeyType::Ed25519, HashAlg::Sha256};  // RFC 8463
    return std::nullopt;
}

std::optional<uint64_t> parse_uint(std::string_view s) {
    uint64_t v = 0;
    if (s.empty() || s.size() > 19) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

// d is the signing domain; true when `sub` equals it or is a subdomain of it.
bool in_domain(std::string_view sub, std::string_view d, bool exact) {
    if (iequals(sub, d)) return true;
    if (exact || sub.size() <= d.size()) return false;
    return sub[sub.size() - d.size() - 1] == '.' && iequals(sub.substr(sub.size() - d.size()), d);
}

struct Checker {
    const SplitMessage& msg;
    const TxtLookup& lookup;
    const VerifyOptions& opts;
    int64_t now;

    // Body hashes already computed, so several signatures with the same canonicalization,
    // hash and l= hash a large body once.
    struct BodyHash {
        Canon canon;
        HashAlg alg;
        std::optional<uint64_t> limit;
        std::string hash;
        uint64_t length;
    };
    mutable std::vector<BodyHash> body_hashes;

    const BodyHash& body_hash(Canon c, HashAlg alg, std::optional<uint64_t> limit) const;
    VerifyResult check(const HeaderField& field) const;
};

const Checker::BodyHash& Checker::body_hash(Canon c, HashAlg alg,
                                            std::optional<uint64_t> limit) const {
    for (auto& b : body_hashes)
        if (b.canon == c && b.alg == alg && b.limit == limit) return b;
    BodyHasher h(c, alg, limit);
    h.update(msg.body);
    std::string hash = h.finish();
    body_hashes.push_back({c, alg, limit, std::move(hash), h.canonical_length()});
    return body_hashes.back();
}

VerifyResult Checker::check(const HeaderField& field) const {
    VerifyResult r;
    auto done = [&](Verdict v, std::string reason) {
        r.verdict = v;
        r.reason = std::move(reason);
        return r;
    };
    // RFC 6376 §6.1.1: validate the signature field.
    std::string err;
    auto tags = parse_tags(field_value(field), &err);
    if (!tags) return done(Verdict::Neutral, "signature syntax: " + err);
    auto tag = [&](const char* n) -> std::string {
        auto* v = tags->get(n);
        return v ? *v : std::string();
    };
    r.domain = to_lower(tag("d"));
    r.selector = tag("s");
    r.algorithm = to_lower(tag("a"));
    for (const char* required : {"v", "a", "b", "bh", "d", "h", "s"})
        if (!tags->get(required))
            return done(Verdict::PermError, std::string("signature has no ") + required + "= tag");
    if (tag("v") != "1") return done(Verdict::PermError, "unsupported signature version");
    auto alg = parse_algorithm(r.algorithm);
    if (!alg) return done(Verdict::PermError, "unsupported algorithm " + r.algorithm);
    if (alg->hash == HashAlg::Sha1 && !opts.allow_sha1)
        return done(Verdict::PermError, "rsa-sha1 not accepted (RFC 8301)");

    Canon hcanon = Canon::Simple, bcanon = Canon::Simple;  // c= default "simple/simple"
    if (auto* c = tags->get("c")) {
        auto slash = c->find('/');
        auto h = parse_canon(c->substr(0, slash));
        auto b = slash == std::string::npos ? std::optional(Canon::Simple)
                                            : parse_canon(c->substr(slash + 1));
        if (!h || !b) return done(Verdict::PermError, "unknown canonicalization " + *c);
        hcanon = *h;
        bcanon = *b;
    }

    // i= defaults to "@d" and must be in d or a subdomain of it (RFC 6376 §3.5).
    r.identity = tags->get("i") ? tag("i") : "@" + r.domain;
    auto at = r.identity.rfind('@');
    if (at == std::string::npos) return done(Verdict::PermError, "i= has no @");
    std::string idomain = to_lower(r.identity.substr(at + 1));
    if (!in_domain(idomain, r.domain, false))
        return done(Verdict::PermError, "i= domain is not within d=");

    std::vector<std::string> names;
    bool has_from = false;
    for (auto& n : split_list(tag("h"), ":")) {
        names.push_back(to_lower(n));
        has_from = has_from || iequals(n, "from");
    }
    // RFC 6376 §6.1.1: From must be signed.
    if (!has_from) return done(Verdict::PermError, "From field not signed");
    if (names.size() > opts.max_signed_headers)
        return done(Verdict::PermError, "too many signed header fields");

    std::optional<uint64_t> limit;
    if (auto* l = tags->get("l")) {
        limit = parse_uint(*l);
        if (!limit) return done(Verdict::PermError, "bad l= value");
    }
    if (auto* q = tags->get("q")) {
        bool dns = false;
        for (auto& m : split_list(*q, ":")) dns = dns || iequals(m, "dns/txt");
        if (!dns) return done(Verdict::PermError, "no supported query method in q=");
    }
    std::optional<uint64_t> t;
    if (auto* tv = tags->get("t")) {
        t = parse_uint(*tv);
        if (!t) return done(Verdict::PermError, "bad t= value");
    }
    if (auto* xv = tags->get("x")) {
        auto x = parse_uint(*xv);
        if (!x) return done(Verdict::PermError, "bad x= value");
        if (t && *x < *t) return done(Verdict::PermError, "x= is before t=");
        if (now >= 0 && *x < static_cast<uint64_t>(now))
            return done(Verdict::PermError, "signature expired");
    }
    auto bh = base64_decode(strip_wsp(tag("bh")));
    auto b = base64_decode(strip_wsp(tag("b")));
    if (!bh || !b || b->empty()) return done(Verdict::Neutral, "b= or bh= is not base64");
    if (r.domain.empty() || r.selector.empty()) return done(Verdict::PermError, "empty d= or s=");

    // RFC 6376 §6.1.2: get the public key.
    auto records = lookup(key_dns_name(r.selector, r.domain));
    if (!records) return done(Verdict::TempError, "key lookup failed");
    std::optional<KeyRecord> key;
    std::string key_err = "no key record";
    for (auto& txt : *records) {
        key = parse_key_record(txt, &key_err);
        if (key) break;
    }
    if (!key) return done(Verdict::PermError, key_err);
    r.testing = key->testing;
    if (key->public_key.empty()) return done(Verdict::PermError, "key revoked");
    if (key->key_type != key_type_name(alg->key))
        return done(Verdict::PermError, "key type does not match a=");
    if (!key->hashes.empty()) {
        std::string want = alg->hash == HashAlg::Sha1 ? "sha1" : "sha256";
        bool ok = false;
        for (auto& h : key->hashes) ok = ok || h == want;
        if (!ok) return done(Verdict::PermError, "key does not allow " + want);
    }
    if (!key->service_email) return done(Verdict::PermError, "key not for email");
    if (key->strict && !in_domain(idomain, r.domain, true))
        return done(Verdict::PermError, "key is strict (t=s) but i= is a subdomain");
    auto pub = PublicKey::from_dns(alg->key, key->public_key);
    if (!pub) return done(Verdict::PermError, "key unusable");
    if (alg->key == KeyType::Rsa && pub->bits() < kMinRsaBits)
        return done(Verdict::PermError, "key too short");  // RFC 8301 §3.2

    // RFC 6376 §6.1.3: compute and compare the body hash, then the header signature.
    auto& body = body_hash(bcanon, alg->hash, limit);
    if (limit && body.length < *limit) return done(Verdict::Fail, "body shorter than l=");
    if (body.hash != *bh) return done(Verdict::Fail, "body hash did not verify");
    auto input = header_hash_input(msg.headers, names, hcanon, blank_b_value(field.raw));
    if (!pub->verify(alg->hash, input, *b)) return done(Verdict::Fail, "signature did not verify");
    return done(Verdict::Pass, "");
}

}  // namespace

std::string_view verdict_name(Verdict v) {
    switch (v) {
        case Verdict::Pass:
            return "pass";
        case Verdict::Fail:
            return "fail";
        case Verdict::Neutral:
            return "neutral";
        case Verdict::TempError:
            return "temperror";
        case Verdict::PermError:
            return "permerror";
    }
    return "permerror";
}

std::vector<VerifyResult> verify(std::string_view message, const TxtLookup& lookup,
                                 const VerifyOptions& opts) {
    auto msg = split_message(message);
    int64_t now = opts.now ? *opts.now : static_cast<int64_t>(std::time(nullptr));
    Checker checker{msg, lookup, opts, now, {}};
    std::vector<VerifyResult> out;
    for (auto& h : msg.headers) {
        if (!iequals(h.name, "DKIM-Signature")) continue;
        if (out.size() >= opts.max_signatures) break;
        out.push_back(checker.check(h));
    }
    return out;
}

}  // namespace magpie::dkim
