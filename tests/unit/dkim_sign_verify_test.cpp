// DKIM signer and verifier round trips (RSA and Ed25519), tampering, key record handling
// and the verifier's error classes.
#include <gtest/gtest.h>

#include <map>

#include "dkim/key_record.h"
#include "dkim/signer.h"
#include "dkim/verifier.h"

using namespace magpie::dkim;

namespace {

const std::string kMessage =
    "From: Alice <alice@example.org>\r\n"
    "To: Bob <bob@example.net>\r\n"
    "Subject: Lunch   tomorrow?\r\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <1@example.org>\r\n"
    "X-Unsigned: whatever\r\n"
    "\r\n"
    "Hello Bob,\r\n"
    "\r\n"
    "shall we?  \r\n"
    "\r\n"
    "\r\n";

const PrivateKey& rsa_key() {
    static PrivateKey k = PrivateKey::generate(KeyType::Rsa);
    return k;
}

const PrivateKey& ed_key() {
    static PrivateKey k = PrivateKey::generate(KeyType::Ed25519);
    return k;
}

struct Dns {
    std::map<std::string, std::vector<std::string>> zone;
    bool fail = false;
    TxtLookup fn() {
        return [this](std::string name) -> std::optional<std::vector<std::string>> {
            if (fail) return std::nullopt;
            auto it = zone.find(name);
            if (it == zone.end()) return std::vector<std::string>{};
            return it->second;
        };
    }
};

SigningKey signing(const PrivateKey& k, std::string selector = "default") {
    return SigningKey{"example.org", std::move(selector), k};
}

Dns dns_for(const PrivateKey& k, std::string selector = "default") {
    Dns d;
    d.zone[selector + "._domainkey.example.org"] = {key_record_text(k)};
    return d;
}

std::vector<VerifyResult> check(const std::string& msg, Dns& dns) {
    return verify(msg, dns.fn());
}

}  // namespace

TEST(DkimSignVerify, RsaRoundTrip) {
    auto sig = sign(kMessage, signing(rsa_key()));
    EXPECT_TRUE(sig.starts_with("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;"));
    EXPECT_TRUE(sig.ends_with("\r\n"));
    auto dns = dns_for(rsa_key());
    auto r = check(sig + kMessage, dns);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].verdict, Verdict::Pass) << r[0].reason;
    EXPECT_EQ(r[0].domain, "example.org");
    EXPECT_EQ(r[0].selector, "default");
    EXPECT_EQ(r[0].algorithm, "rsa-sha256");
}

TEST(DkimSignVerify, Ed25519RoundTrip) {
    auto sig = sign(kMessage, signing(ed_key(), "ed"));
    EXPECT_NE(sig.find("a=ed25519-sha256;"), std::string::npos);
    auto dns = dns_for(ed_key(), "ed");
    auto r = check(sig + kMessage, dns);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].verdict, Verdict::Pass) << r[0].reason;
}

TEST(DkimSignVerify, FoldedLinesAreShort) {
    auto sig = sign(kMessage, signing(rsa_key()));
    size_t start = 0;
    for (size_t end; (end = sig.find("\r\n", start)) != std::string::npos; start = end + 2) {
        EXPECT_LE(end - start, 78u) << sig.substr(start, end - start);
        if (start > 0) {
            EXPECT_EQ(sig[start], '\t');
        }
    }
}

TEST(DkimSignVerify, FromIsOversignedAndAbsentFieldsSkipped) {
    auto sig = sign(kMessage, signing(rsa_key()));
    auto h = sig.find("h=");
    auto h_end = sig.find(';', h);
    std::string list;
    for (char c : sig.substr(h + 2, h_end - h - 2))
        if (c != '\r' && c != '\n' && c != '\t' && c != ' ') list += c;
    EXPECT_EQ(list, "from:from:subject:date:message-id:to");
}

TEST(DkimSignVerify, BareLfMessageVerifiesAsCrlf) {
    std::string lf;
    for (char c : kMessage)
        if (c != '\r') lf += c;
    auto sig = sign(lf, signing(rsa_key()));
    auto dns = dns_for(rsa_key());
    auto r1 = check(sig + kMessage, dns);  // signed as LF, delivered as CRLF
    ASSERT_EQ(r1.size(), 1u);
    EXPECT_EQ(r1[0].verdict, Verdict::Pass) << r1[0].reason;
    auto r2 = check(sig + lf, dns);
    EXPECT_EQ(r2[0].verdict, Verdict::Pass) << r2[0].reason;
}

TEST(DkimSignVerify, StreamingEqualsOneShot) {
    SignOptions o;
    o.timestamp = 1700000000;
    auto one = sign(kMessage, signing(ed_key()), o);  // Ed25519 is deterministic
    for (size_t step : {1u, 2u, 7u, 64u}) {
        Signer s(signing(ed_key()), o);
        for (size_t i = 0; i < kMessage.size(); i += step) s.write(kMessage.substr(i, step));
        EXPECT_EQ(s.finish(), one) << "step " << step;
    }
}

TEST(DkimSignVerify, SimpleCanonicalizationAndOptions) {
    SignOptions o;
    o.header_canon = Canon::Simple;
    o.body_canon = Canon::Simple;
    o.identity = "alice@example.org";
    o.expire_after = 3600;
    o.body_length = true;
    auto sig = sign(kMessage, signing(rsa_key()), o);
    EXPECT_NE(sig.find("c=simple/simple;"), std::string::npos);
    EXPECT_NE(sig.find("l="), std::string::npos);
    auto dns = dns_for(rsa_key());
    auto r = check(sig + kMessage, dns);
    EXPECT_EQ(r[0].verdict, Verdict::Pass) << r[0].reason;
    EXPECT_EQ(r[0].identity, "alice@example.org");
    // l= lets text be appended after the signed part.
    r = check(sig + kMessage + "appended\r\n", dns);
    EXPECT_EQ(r[0].verdict, Verdict::Pass) << r[0].reason;
}

TEST(DkimSignVerify, TamperingFails) {
    auto sig = sign(kMessage, signing(rsa_key()));
    auto dns = dns_for(rsa_key());
    std::string body_changed = sig + kMessage;
    body_changed.replace(body_changed.find("shall we?"), 9, "shall I??");
    auto r = check(body_changed, dns);
    EXPECT_EQ(r[0].verdict, Verdict::Fail);
    EXPECT_EQ(r[0].reason, "body hash did not verify");

    std::string subject_changed = sig + kMessage;
    subject_changed.replace(subject_changed.find("Lunch"), 5, "Dinner");
    r = check(subject_changed, dns);
    EXPECT_EQ(r[0].verdict, Verdict::Fail);
    EXPECT_EQ(r[0].reason, "signature did not verify");

    // A second From added above is caught by the over-signing.
    r = check(sig + "From: mallory@evil.example\r\n" + kMessage, dns);
    EXPECT_EQ(r[0].verdict, Verdict::Fail);

    // Whitespace changes survive relaxed/relaxed.
    std::string reformatted = sig + kMessage;
    reformatted.replace(reformatted.find("Subject: "), 9, "Subject:\t \t");
    r = check(reformatted, dns);
    EXPECT_EQ(r[0].verdict, Verdict::Pass) << r[0].reason;

    // An unsigned header may change.
    std::string unsigned_changed = sig + kMessage;
    unsigned_changed.replace(unsigned_changed.find("whatever"), 8, "changed");
    r = check(unsigned_changed, dns);
    EXPECT_EQ(r[0].verdict, Verdict::Pass) << r[0].reason;
}

TEST(DkimSignVerify, KeyProblems) {
    auto msg = sign(kMessage, signing(rsa_key())) + kMessage;
    Dns none;
    auto r = check(msg, none);
    EXPECT_EQ(r[0].verdict, Verdict::PermError);

    Dns down = dns_for(rsa_key());
    down.fail = true;
    EXPECT_EQ(check(msg, down)[0].verdict, Verdict::TempError);

    Dns revoked;
    revoked.zone["default._domainkey.example.org"] = {"v=DKIM1; k=rsa; p="};
    r = check(msg, revoked);
    EXPECT_EQ(r[0].verdict, Verdict::PermError);
    EXPECT_EQ(r[0].reason, "key revoked");

    Dns wrong_type;
    wrong_type.zone["default._domainkey.example.org"] = {key_record_text(ed_key())};
    EXPECT_EQ(check(msg, wrong_type)[0].verdict, Verdict::PermError);

    Dns sha1_only = dns_for(rsa_key());
    sha1_only.zone["default._domainkey.example.org"][0] =
        "v=DKIM1; h=sha1; " + key_record_text(rsa_key()).substr(9);
    EXPECT_EQ(check(msg, sha1_only)[0].verdict, Verdict::PermError);

    Dns other_key = dns_for(PrivateKey::generate(KeyType::Ed25519));
    other_key.zone["default._domainkey.example.org"] = {key_record_text(rsa_key())};
    EXPECT_EQ(check(msg, other_key)[0].verdict, Verdict::Pass);
    other_key.zone["default._domainkey.example.org"] = {
        key_record_text(PrivateKey::generate(KeyType::Rsa))};
    EXPECT_EQ(check(msg, other_key)[0].verdict, Verdict::Fail);
}

TEST(DkimSignVerify, StrictKeyAndTestingFlag) {
    SignOptions o;
    o.identity = "@mail.example.org";
    auto msg = sign(kMessage, signing(rsa_key()), o) + kMessage;
    Dns dns;
    dns.zone["default._domainkey.example.org"] = {"v=DKIM1; t=y:s; " +
                                                  key_record_text(rsa_key()).substr(9)};
    auto r = check(msg, dns);
    EXPECT_EQ(r[0].verdict, Verdict::PermError);
    EXPECT_TRUE(r[0].testing);
    dns.zone["default._domainkey.example.org"] = {"v=DKIM1; t=y; " +
                                                  key_record_text(rsa_key()).substr(9)};
    r = check(msg, dns);
    EXPECT_EQ(r[0].verdict, Verdict::Pass) << r[0].reason;
}

TEST(DkimSignVerify, SignatureErrors) {
    auto dns = dns_for(rsa_key());
    auto r = check("DKIM-Signature: v=1; a=rsa-sha256; b=a\r\nFrom: a@b\r\n\r\nx\r\n", dns);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].verdict, Verdict::PermError);
    r = check("DKIM-Signature: garbage\r\nFrom: a@b\r\n\r\n", dns);
    EXPECT_EQ(r[0].verdict, Verdict::Neutral);

    SignOptions o;
    o.headers = {"subject"};
    o.oversign = {};
    r = check(sign(kMessage, signing(rsa_key()), o) + kMessage, dns);
    EXPECT_EQ(r[0].verdict, Verdict::PermError);
    EXPECT_EQ(r[0].reason, "From field not signed");

    o = {};
    o.timestamp = 1000;
    o.expire_after = 10;
    r = check(sign(kMessage, signing(rsa_key()), o) + kMessage, dns);
    EXPECT_EQ(r[0].reason, "signature expired");

    EXPECT_TRUE(check(kMessage, dns).empty());
}

TEST(DkimSignVerify, MultipleSignaturesInOrder) {
    auto m1 = sign(kMessage, signing(rsa_key())) + kMessage;
    auto m2 = sign(m1, signing(ed_key(), "ed")) + m1;
    Dns dns = dns_for(rsa_key());
    dns.zone["ed._domainkey.example.org"] = {key_record_text(ed_key())};
    auto r = check(m2, dns);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].algorithm, "ed25519-sha256");
    EXPECT_EQ(r[0].verdict, Verdict::Pass) << r[0].reason;
    EXPECT_EQ(r[1].verdict, Verdict::Pass) << r[1].reason;
}

TEST(DkimKeyRecord, ParseAndFormat) {
    auto txt = key_record_text(rsa_key());
    EXPECT_TRUE(txt.starts_with("v=DKIM1; k=rsa; p=MIIB"));
    auto rec = parse_key_record(txt);
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->key_type, "rsa");
    EXPECT_FALSE(parse_key_record("v=DKIM2; p=abc"));
    EXPECT_FALSE(parse_key_record("v=DKIM1; k=rsa"));
    auto ed = parse_key_record(key_record_text(ed_key()));
    ASSERT_TRUE(ed);
    EXPECT_EQ(ed->public_key.size(), 32u);
}

TEST(DkimKeyRecord, BindLineChunks) {
    auto txt = key_record_text(rsa_key());
    auto line = bind_zone_line("default", "example.org", txt);
    EXPECT_TRUE(line.starts_with("default._domainkey.example.org. IN TXT ( \"v=DKIM1; k=rsa; \""));
    EXPECT_TRUE(line.ends_with("\" )"));
    // Rejoining the quoted strings gives back the record; none is over 255 bytes.
    std::string joined;
    for (size_t q = line.find('"'); q != std::string::npos; q = line.find('"', q + 1)) {
        size_t e = line.find('"', q + 1);
        EXPECT_LE(e - q - 1, 255u);
        joined += line.substr(q + 1, e - q - 1);
        q = e;
    }
    EXPECT_EQ(joined, txt);
}

TEST(DkimKeys, PemRoundTrip) {
    for (auto* k : {&rsa_key(), &ed_key()}) {
        auto pem = k->to_pem();
        EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        auto back = PrivateKey::from_pem(pem);
        ASSERT_TRUE(back);
        EXPECT_EQ(back->type(), k->type());
        EXPECT_EQ(back->public_key_base64(), k->public_key_base64());
    }
    EXPECT_FALSE(PrivateKey::from_pem("not a key"));
}
