// Maildir file names: the unique base, the ":2,<flags>" info part (system flags as sorted
// capital letters, keywords as letters a-z, as Dovecot writes them), and the ",S=<size>"
// field of Maildir++ (https://cr.yp.to/proto/maildir.html, Dovecot's maildir format docs).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace magpie::mailbox {

// IMAP system flags (RFC 9051 §2.3.2) and their Maildir letters.
enum Flag : uint32_t {
    kDraft = 1u << 0,     // D
    kFlagged = 1u << 1,   // F
    kPassed = 1u << 2,    // P (no IMAP equivalent, kept as is)
    kAnswered = 1u << 3,  // R
    kSeen = 1u << 4,      // S
    kDeleted = 1u << 5,   // T ("trashed")
};

// A parsed file name. `keywords` has bit i set for letter 'a' + i.
struct MaildirName {
    std::string base;  // everything before ":2," (or the whole name)
    uint32_t flags = 0;
    uint32_t keywords = 0;
};

MaildirName parse_maildir_name(std::string_view filename);
// "<base>:2,<flags sorted><keywords sorted>"; always carries the ":2," part.
std::string make_maildir_name(std::string_view base, uint32_t flags, uint32_t keywords);
// The ",S=<n>" field of the base, when present.
std::optional<uint64_t> size_from_name(std::string_view base);
// The ",W=<n>" field (Dovecot's virtual size: the size with every line end CRLF).
std::optional<uint64_t> vsize_from_name(std::string_view base);
// The base without its info part: "a.b.c:2,S" -> "a.b.c".
std::string_view base_of(std::string_view filename);
// Dovecot's escaping of the host part of a Maildir file name ('/' -> \057, ':' -> \072).
std::string escape_maildir_host(std::string_view host);

// IMAP names of the system flags: "\\Seen" <-> kSeen. Case-insensitive.
std::optional<uint32_t> flag_from_imap(std::string_view name);
std::string flags_to_imap(uint32_t flags);  // "\\Answered \\Seen" (no \\Recent)

}  // namespace magpie::mailbox
