// Service layer: HTTP API login sessions (random bearer tokens of which only the SHA-256 is
// stored, with an expiry) and the audit trail of state-changing API calls.
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "admin/service_impl.h"

namespace magpie::admin {
namespace {

std::string hex(const unsigned char* p, size_t n) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        out += d[p[i] >> 4];
        out += d[p[i] & 15];
    }
    return out;
}

std::string sha256_hex(std::string_view s) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    return hex(md, len);
}

}  // namespace

Result<std::string> Service::session_open(const ApiSession& s, std::string_view ip, int64_t now) {
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return Status::error(Errc::Internal, "no random bytes for a session token");
    std::string token = hex(raw, sizeof raw);
    auto st = impl_->write(
        [&]() -> Status {
            impl_->db.prepare("DELETE FROM api_sessions WHERE expires <= ?").bind(1, now).run();
            impl_->db
                .prepare(
                    "INSERT INTO api_sessions (token_hash, subject, kind, role, created, "
                    "expires, ip) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind_all(sha256_hex(token), s.subject, s.kind, s.role, now, s.expires, ip)
                .run();
            return {};
        },
        false);
    if (!st.ok()) return st;
    return token;
}

Result<ApiSession> Service::session_find(std::string_view token, int64_t now) {
    return impl_->read<ApiSession>([&]() -> Result<ApiSession> {
        auto st = impl_->db.prepare(
            "SELECT subject, kind, role, expires FROM api_sessions WHERE token_hash = ? AND "
            "expires > ?");
        st.bind(1, sha256_hex(token)).bind(2, now);
        if (!st.step()) return Status::error(Errc::NotFound, "no such session");
        return ApiSession{st.text(0), st.text(1), st.text(2), st.int64(3)};
    });
}

Status Service::session_close(std::string_view token) {
    return impl_->write(
        [&]() -> Status {
            impl_->db.prepare("DELETE FROM api_sessions WHERE token_hash = ?")
                .bind(1, sha256_hex(token))
                .run();
            if (impl_->db.changes() == 0) return Status::error(Errc::NotFound, "no such session");
            return {};
        },
        false);
}

Status Service::audit_add(const AuditEntry& e) {
    return impl_->write(
        [&]() -> Status {
            impl_->db
                .prepare(
                    "INSERT INTO audit (time, actor, role, ip, method, path, status, detail) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                .bind_all(e.time, e.actor, e.role, e.ip, e.method, e.path, int64_t{e.status},
                          e.detail)
                .run();
            return {};
        },
        false);
}

Result<AuditPage> Service::audit_list(int64_t offset, int64_t limit, std::string_view actor) {
    return impl_->read<AuditPage>([&]() -> Result<AuditPage> {
        AuditPage page;
        std::string where = actor.empty() ? "" : " WHERE actor = ?1";
        auto count = impl_->db.prepare("SELECT count(*) FROM audit" + where);
        if (!actor.empty()) count.bind(1, actor);
        count.step();
        page.total = count.int64(0);
        auto st = impl_->db.prepare(
            "SELECT id, time, actor, role, ip, method, path, status, detail FROM audit" + where +
            " ORDER BY id DESC LIMIT ?2 OFFSET ?3");
        if (!actor.empty()) st.bind(1, actor);
        st.bind(2, limit).bind(3, offset);
        while (st.step())
            page.items.push_back(AuditEntry{st.int64(0), st.int64(1), st.text(2), st.text(3),
                                            st.text(4), st.text(5), st.text(6),
                                            static_cast<int>(st.int64(7)), st.text(8)});
        return page;
    });
}

}  // namespace magpie::admin
