// IMAP response formatting: RFC 9051 §7 responses, §7.1 response codes, RFC 4731 ESEARCH.
#include "imap/proto/response.h"

#include "imap/proto/mutf7.h"
#include "imap/proto/seqset.h"
#include "mime/imap_string.h"

namespace magpie::imap {

namespace {

// RFC 9051 §9 ASTRING-CHAR (ATOM-CHAR / resp-specials).
bool astring_char(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return false;
    return c != '(' && c != ')' && c != '{' && c != '%' && c != '*' && c != '"' && c != '\\';
}

std::string_view status_word(Status s) {
    switch (s) {
        case Status::Ok:
            return "OK";
        case Status::No:
            return "NO";
        case Status::Bad:
            return "BAD";
        case Status::Preauth:
            return "PREAUTH";
        case Status::Bye:
            return "BYE";
    }
    return "BAD";
}

std::string status_line(std::string_view prefix, Status status, std::string_view c,
                        std::string_view text) {
    std::string out(prefix);
    out += ' ';
    out += status_word(status);
    if (!c.empty()) {
        out += " [";
        out += c;
        out += ']';
    }
    out += ' ';
    // RFC 9051 §9 text = 1*TEXT-CHAR: never empty, never CR/LF
    std::string_view t = text.empty() ? std::string_view("done") : text;
    for (char ch : t) out.push_back(ch == '\r' || ch == '\n' ? ' ' : ch);
    out += "\r\n";
    return out;
}

}  // namespace

void append_string(std::string& out, std::string_view s) {
    mime::append_imap_string(out, s);
}

void append_nstring(std::string& out, std::string_view s, bool present) {
    mime::append_imap_nstring(out, s, present);
}

void append_astring(std::string& out, std::string_view s) {
    bool atom = !s.empty() && s.size() <= 1024;
    for (char c : s)
        if (!astring_char(c)) atom = false;
    // "NIL" as an atom would read back as nil in an nstring context: quote it.
    if (atom && s.size() == 3 && (s[0] | 0x20) == 'n' && (s[1] | 0x20) == 'i' &&
        (s[2] | 0x20) == 'l')
        atom = false;
    if (atom)
        out.append(s);
    else
        mime::append_imap_string(out, s);
}

void append_mailbox(std::string& out, std::string_view name, bool utf8) {
    // RFC 3501 §5.1.3 modified UTF-7 on the wire; RFC 6855 §3 UTF-8 after ENABLE UTF8=ACCEPT
    if (utf8)
        append_astring(out, name);
    else
        append_astring(out, encode_mutf7(name));
}

void append_flag_list(std::string& out, const std::vector<std::string>& flags) {
    out.push_back('(');
    for (size_t i = 0; i < flags.size(); ++i) {
        if (i) out.push_back(' ');
        out += flags[i];
    }
    out.push_back(')');
}

std::string tagged(std::string_view tag, Status status, std::string_view c, std::string_view text) {
    return status_line(tag, status, c, text);
}

std::string untagged(Status status, std::string_view c, std::string_view text) {
    return status_line("*", status, c, text);
}

std::string continuation(std::string_view text) {
    return "+ " + std::string(text.empty() ? std::string_view("Ready") : text) + "\r\n";
}

std::string sasl_challenge(std::string_view base64) {
    return "+ " + std::string(base64) + "\r\n";
}

namespace code {

std::string uidnext(uint32_t n) {
    return "UIDNEXT " + std::to_string(n);
}
std::string uidvalidity(uint32_t n) {
    return "UIDVALIDITY " + std::to_string(n);
}
std::string unseen(uint32_t n) {
    return "UNSEEN " + std::to_string(n);
}
std::string highestmodseq(uint64_t n) {
    return "HIGHESTMODSEQ " + std::to_string(n);
}
std::string appendlimit(uint64_t n) {
    return "APPENDLIMIT " + std::to_string(n);
}

std::string permanentflags(const std::vector<std::string>& flags) {
    std::string out = "PERMANENTFLAGS ";
    append_flag_list(out, flags);
    return out;
}

// RFC 4315 §3: APPENDUID uidvalidity uid-set; COPYUID uidvalidity source-set dest-set.
// The two COPYUID sets pair up by position, so they are not sorted.
std::string appenduid(uint32_t uidvalidity, const std::vector<uint32_t>& uids) {
    return "APPENDUID " + std::to_string(uidvalidity) + " " + format_numbers(uids);
}

namespace {
std::string ordered_set(const std::vector<uint32_t>& v) {
    std::string out;
    size_t i = 0;
    while (i < v.size()) {
        size_t j = i;
        while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
        if (!out.empty()) out.push_back(',');
        out += std::to_string(v[i]);
        if (j > i) out += ":" + std::to_string(v[j]);
        i = j + 1;
    }
    return out;
}
}  // namespace

std::string copyuid(uint32_t uidvalidity, const std::vector<uint32_t>& from,
                    const std::vector<uint32_t>& to) {
    return "COPYUID " + std::to_string(uidvalidity) + " " + ordered_set(from) + " " +
           ordered_set(to);
}

std::string capability(const std::vector<std::string>& caps) {
    std::string out = "CAPABILITY";
    for (const auto& c : caps) out += " " + c;
    return out;
}

}  // namespace code

std::string esearch(std::string_view tag, bool uid, const EsearchResult& r) {
    // RFC 4731 §3.1: "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)
    std::string out = "* ESEARCH";
    if (!tag.empty()) {
        out += " (TAG ";
        append_string(out, tag);
        out += ")";
    }
    if (uid) out += " UID";
    if (r.min) out += " MIN " + std::to_string(*r.min);
    if (r.max) out += " MAX " + std::to_string(*r.max);
    if (r.all && !r.all->empty()) out += " ALL " + format_numbers(*r.all);
    if (r.count) out += " COUNT " + std::to_string(*r.count);
    if (r.modseq) out += " MODSEQ " + std::to_string(*r.modseq);
    out += "\r\n";
    return out;
}

}  // namespace magpie::imap
