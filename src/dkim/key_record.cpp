// DKIM key records, RFC 6376 §3.6.1 and RFC 8463 §4.
#include "dkim/key_record.h"

#include "core/base64.h"
#include "core/strings.h"
#include "dkim/tags.h"

namespace magpie::dkim {

std::optional<KeyRecord> parse_key_record(std::string_view txt, std::string* error) {
    auto fail = [&](std::string msg) -> std::optional<KeyRecord> {
        if (error) *error = std::move(msg);
        return std::nullopt;
    };
    std::string err;
    auto tags = parse_tags(txt, &err);
    if (!tags) return fail("key record: " + err);
    KeyRecord rec;
    // v= is optional but, when present, must be "DKIM1" (and must be first; not checked,
    // as widely deployed verifiers do not).
    if (auto* v = tags->get("v"); v && *v != "DKIM1") return fail("key record: v= is not DKIM1");
    if (auto* k = tags->get("k")) rec.key_type = to_lower(*k);
    if (auto* h = tags->get("h"))
        for (auto& x : split_list(*h, ":")) rec.hashes.push_back(to_lower(x));
    if (auto* s = tags->get("s")) {
        rec.service_email = false;
        for (auto& x : split_list(*s, ":"))
            if (x == "*" || iequals(x, "email")) rec.service_email = true;
    }
    if (auto* t = tags->get("t"))
        for (auto& x : split_list(*t, ":")) {
            if (x == "y") rec.testing = true;
            if (x == "s") rec.strict = true;
        }
    auto* p = tags->get("p");
    if (!p) return fail("key record has no p= tag");
    auto b64 = strip_wsp(*p);
    if (!b64.empty()) {
        auto der = base64_decode(b64);
        if (!der || der->empty()) return fail("key record: p= is not base64");
        rec.public_key = std::move(*der);
    }
    return rec;
}

std::string key_record_text(const PrivateKey& key) {
    return "v=DKIM1; k=" + std::string(key_type_name(key.type())) +
           "; p=" + key.public_key_base64();
}

std::string key_dns_name(std::string_view selector, std::string_view domain) {
    return std::string(selector) + "._domainkey." + std::string(domain);
}

std::string bind_zone_line(std::string_view selector, std::string_view domain,
                           std::string_view txt) {
    constexpr size_t kChunk = 255;  // RFC 1035 §3.3.14: one character-string
    std::string out = key_dns_name(selector, domain) + ". IN TXT (";
    // Break before p= so the short tags stay readable, then cut p= into 255-byte pieces.
    size_t p = txt.find("p=");
    std::string_view head = p == std::string_view::npos ? std::string_view() : txt.substr(0, p);
    std::string_view rest = p == std::string_view::npos ? txt : txt.substr(p);
    auto quote = [&](std::string_view s) { out += " \"" + std::string(s) + "\""; };
    if (!head.empty()) quote(head);
    for (size_t i = 0; i < rest.size(); i += kChunk) quote(rest.substr(i, kChunk));
    out += " )";
    return out;
}

}  // namespace magpie::dkim
