// Maildir flag letters and the parts of a Maildir file name (see flags.h).
#include "mailbox/flags.h"

#include <strings.h>

namespace magpie::mailbox {
namespace {

struct Letter {
    char c;
    uint32_t bit;
    const char* imap;
};
// Sorted by letter: Maildir requires the flags of the info part in ASCII order.
constexpr Letter kLetters[] = {
    {'D', kDraft, "\\Draft"},       {'F', kFlagged, "\\Flagged"}, {'P', kPassed, nullptr},
    {'R', kAnswered, "\\Answered"}, {'S', kSeen, "\\Seen"},       {'T', kDeleted, "\\Deleted"},
};

}  // namespace

std::string_view base_of(std::string_view filename) {
    // Dovecot uses ':' as the info separator (maildir_info_separator default).
    size_t colon = filename.find(':');
    return colon == std::string_view::npos ? filename : filename.substr(0, colon);
}

MaildirName parse_maildir_name(std::string_view filename) {
    MaildirName n;
    n.base = std::string(base_of(filename));
    if (n.base.size() == filename.size()) return n;
    std::string_view info = filename.substr(n.base.size() + 1);
    if (info.substr(0, 2) != "2,") return n;
    for (char c : info.substr(2)) {
        if (c >= 'a' && c <= 'z') {
            n.keywords |= 1u << (c - 'a');
            continue;
        }
        for (const auto& l : kLetters) {
            if (l.c == c) n.flags |= l.bit;
        }
    }
    return n;
}

std::string make_maildir_name(std::string_view base, uint32_t flags, uint32_t keywords) {
    std::string out(base);
    out += ":2,";
    for (const auto& l : kLetters) {
        if (flags & l.bit) out += l.c;
    }
    for (int i = 0; i < 26; ++i) {
        if (keywords & (1u << i)) out += static_cast<char>('a' + i);
    }
    return out;
}

namespace {

std::optional<uint64_t> number_field(std::string_view base, std::string_view field) {
    size_t pos = base.find(field);
    if (pos == std::string_view::npos) return std::nullopt;
    uint64_t v = 0;
    size_t i = pos + 3, start = i;
    for (; i < base.size() && base[i] >= '0' && base[i] <= '9'; ++i) v = v * 10 + (base[i] - '0');
    if (i == start) return std::nullopt;
    return v;
}

}  // namespace

std::optional<uint64_t> size_from_name(std::string_view base) {
    return number_field(base, ",S=");
}

std::optional<uint64_t> vsize_from_name(std::string_view base) {
    return number_field(base, ",W=");
}

std::optional<uint32_t> flag_from_imap(std::string_view name) {
    for (const auto& l : kLetters) {
        if (l.imap && name.size() == std::string_view(l.imap).size() &&
            ::strncasecmp(name.data(), l.imap, name.size()) == 0) {
            return l.bit;
        }
    }
    return std::nullopt;
}

std::string flags_to_imap(uint32_t flags) {
    // In RFC 9051 order of appearance: Answered Flagged Deleted Seen Draft.
    std::string out;
    for (uint32_t bit : {kAnswered, kFlagged, kDeleted, kSeen, kDraft}) {
        if (!(flags & bit)) continue;
        for (const auto& l : kLetters) {
            if (l.bit == bit) {
                if (!out.empty()) out += ' ';
                out += l.imap;
            }
        }
    }
    return out;
}

std::string escape_maildir_host(std::string_view host) {
    std::string out;
    for (char c : host) {
        if (c == '/') {
            out += "\\057";
        } else if (c == ':') {
            out += "\\072";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace magpie::mailbox
