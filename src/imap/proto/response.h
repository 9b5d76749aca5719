// IMAP response formatting (RFC 9051 §7): strings, flag lists, status responses with
// response codes (§7.1), ESEARCH (RFC 4731). Strings go through mime/imap_string.h.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::imap {

// RFC 9051 §9 astring: a bare atom when possible, else a quoted string or literal.
void append_astring(std::string& out, std::string_view s);
// RFC 9051 §9 string / nstring (mime::append_imap_string / append_imap_nstring).
void append_string(std::string& out, std::string_view s);
void append_nstring(std::string& out, std::string_view s, bool present);
// A mailbox name given in UTF-8: modified UTF-7 unless `utf8` (UTF8=ACCEPT enabled).
void append_mailbox(std::string& out, std::string_view name, bool utf8);
// RFC 9051 §9 flag-list: "(\Seen $Junk)".
void append_flag_list(std::string& out, const std::vector<std::string>& flags);

enum class Status { Ok, No, Bad, Preauth, Bye };

// "tag OK [code] text\r\n" (code without brackets, empty for none).
std::string tagged(std::string_view tag, Status status, std::string_view code,
                   std::string_view text);
// "* OK [code] text\r\n".
std::string untagged(Status status, std::string_view code, std::string_view text);
// "+ text\r\n" (RFC 9051 §7.5).
std::string continuation(std::string_view text);
// "+ base64\r\n": an AUTHENTICATE challenge (RFC 9051 §6.2.2), which is base64 only; an
// empty challenge is "+ \r\n", never a text.
std::string sasl_challenge(std::string_view base64);

// Response codes (RFC 9051 §7.1, RFC 4315 UIDPLUS, RFC 7162, RFC 5530), without brackets.
namespace code {
std::string uidnext(uint32_t n);
std::string uidvalidity(uint32_t n);
std::string unseen(uint32_t n);
std::string highestmodseq(uint64_t n);
std::string permanentflags(const std::vector<std::string>& flags);
std::string appenduid(uint32_t uidvalidity, const std::vector<uint32_t>& uids);
std::string copyuid(uint32_t uidvalidity, const std::vector<uint32_t>& from,
                    const std::vector<uint32_t>& to);
std::string capability(const std::vector<std::string>& caps);
std::string appendlimit(uint64_t n);  // RFC 7889
inline constexpr std::string_view kAlert = "ALERT";
inline constexpr std::string_view kReadOnly = "READ-ONLY";
inline constexpr std::string_view kReadWrite = "READ-WRITE";
inline constexpr std::string_view kTryCreate = "TRYCREATE";
inline constexpr std::string_view kOverQuota = "OVERQUOTA";
inline constexpr std::string_view kAlreadyExists = "ALREADYEXISTS";
inline constexpr std::string_view kNonExistent = "NONEXISTENT";
inline constexpr std::string_view kCannot = "CANNOT";
inline constexpr std::string_view kLimit = "LIMIT";
inline constexpr std::string_view kClientBug = "CLIENTBUG";
inline constexpr std::string_view kTooBig = "TOOBIG";
inline constexpr std::string_view kAuthenticationFailed = "AUTHENTICATIONFAILED";
inline constexpr std::string_view kPrivacyRequired = "PRIVACYREQUIRED";
inline constexpr std::string_view kUnavailable = "UNAVAILABLE";
inline constexpr std::string_view kServerBug = "SERVERBUG";
inline constexpr std::string_view kNoPerm = "NOPERM";
inline constexpr std::string_view kInUse = "INUSE";
inline constexpr std::string_view kExpungeIssued = "EXPUNGEISSUED";
inline constexpr std::string_view kClosed = "CLOSED";
inline constexpr std::string_view kNoModseq = "NOMODSEQ";
inline constexpr std::string_view kUidNotSticky = "UIDNOTSTICKY";
inline constexpr std::string_view kBadCharset = "BADCHARSET";
}  // namespace code

// RFC 4731 §3.1 ESEARCH result; absent fields are left out.
struct EsearchResult {
    std::optional<uint32_t> min;
    std::optional<uint32_t> max;
    std::optional<uint32_t> count;
    std::optional<std::vector<uint32_t>> all;  // compressed as a sequence set; empty: left out
    std::optional<uint64_t> modseq;            // RFC 7162 §3.1.5
};

// "* ESEARCH (TAG "a1") UID MIN 1 MAX 9 COUNT 4 ALL 1:3,9\r\n".
std::string esearch(std::string_view tag, bool uid, const EsearchResult& r);

}  // namespace magpie::imap
