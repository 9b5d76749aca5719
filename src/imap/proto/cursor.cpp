// The lexical layer of the IMAP parser: RFC 9051 §4 data formats and §9 tokens.
#include "imap/proto/cursor.h"

#include "imap/proto/limits.h"
#include "imap/proto/mutf7.h"

namespace magpie::imap::detail {

// RFC 9051 §9: ATOM-CHAR = <any CHAR except atom-specials>;
// atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
bool is_atom_char(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return false;
    return c != '(' && c != ')' && c != '{' && c != '%' && c != '*' && c != '"' && c != '\\' &&
           c != ']';
}

void Cursor::fail(const std::string& message) const {
    throw ParseError{message};
}

bool Cursor::at_end() const {
    std::string_view rest = raw_.substr(pos_);
    return rest.empty() || rest == "\r\n" || rest == "\n";
}

void Cursor::end() {
    if (!at_end()) fail("Unexpected characters at end of command");
    pos_ = raw_.size();
}

bool Cursor::eat(char c) {
    if (peek() != c || pos_ >= raw_.size()) return false;
    ++pos_;
    return true;
}

void Cursor::expect(char c) {
    if (!eat(c)) {
        if (c == ' ') fail("Missing space or argument");
        fail(std::string("Expected '") + c + "'");
    }
}

bool Cursor::eat_word(std::string_view word) {
    if (raw_.size() - pos_ < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
        char a = raw_[pos_ + i];
        if (a >= 'a' && a <= 'z') a = static_cast<char>(a - 32);
        if (a != word[i]) return false;
    }
    size_t after = pos_ + word.size();
    if (after < raw_.size() && is_atom_char(raw_[after]) && is_atom_char(word.back())) return false;
    pos_ = after;
    return true;
}

std::string_view Cursor::atom(std::string_view extra) {
    size_t start = pos_;
    while (pos_ < raw_.size() &&
           (is_atom_char(raw_[pos_]) || extra.find(raw_[pos_]) != std::string_view::npos))
        ++pos_;
    if (pos_ == start) fail("Expected an atom");
    return raw_.substr(start, pos_ - start);
}

std::string Cursor::upper_atom(std::string_view extra) {
    std::string s(atom(extra));
    for (char& ch : s)
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
    return s;
}

bool Cursor::at_string() const {
    char c = peek();
    // "~" starts a literal8 only before "{": "~foo" is an atom (RFC 9051 §9 ATOM-CHAR).
    return c == '"' || c == '{' || (c == '~' && pos_ + 1 < raw_.size() && raw_[pos_ + 1] == '{');
}

std::string Cursor::string(bool* binary) {
    if (eat('"')) {  // RFC 9051 §4.3 quoted; IMAP4rev2 allows UTF-8 in it
        std::string out;
        while (true) {
            if (pos_ >= raw_.size()) fail("Unterminated quoted string");
            char ch = raw_[pos_++];
            if (ch == '"') return out;
            if (ch == '\\') {
                if (pos_ >= raw_.size() || (raw_[pos_] != '"' && raw_[pos_] != '\\'))
                    fail("Bad escape in quoted string");
                ch = raw_[pos_++];
            } else if (ch == '\r' || ch == '\n' || ch == '\0') {
                fail("Unterminated quoted string");
            }
            out.push_back(ch);
        }
    }
    bool is8 = false;
    if (peek() == '~' && pos_ + 1 < raw_.size() && raw_[pos_ + 1] == '{') {  // RFC 3516 §4.2
        ++pos_;
        if (binary == nullptr) fail("literal8 not allowed here");
        is8 = true;
    }
    if (!eat('{')) fail("Expected a string");
    uint64_t n = 0;
    size_t digits = 0;
    while (peek() >= '0' && peek() <= '9') {
        if (++digits > 19) fail("Literal too big");
        n = n * 10 + static_cast<uint64_t>(raw_[pos_++] - '0');
    }
    if (digits == 0) fail("Bad literal");
    eat('+');  // RFC 7888 non-synchronizing
    expect('}');
    eat('\r');
    expect('\n');
    if (n > raw_.size() - pos_) fail("Literal data missing");
    std::string out(raw_.substr(pos_, n));
    pos_ += n;
    // RFC 9051 §4.3: a literal is CHAR8 (no NUL); literal8 may hold anything.
    if (!is8 && out.find('\0') != std::string::npos) fail("NUL in literal");
    if (binary) *binary = is8;
    return out;
}

std::string Cursor::astring() {
    if (at_string()) return string();
    return std::string(atom("]"));  // ASTRING-CHAR = ATOM-CHAR / resp-specials
}

std::string Cursor::nstring(bool& present) {
    if (!at_string() && eat_word("NIL")) {
        present = false;
        return {};
    }
    present = true;
    return string();
}

uint64_t Cursor::number64() {
    size_t start = pos_;
    uint64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
        if (pos_ - start >= 19) fail("Number too big");
        v = v * 10 + static_cast<uint64_t>(raw_[pos_++] - '0');
    }
    if (pos_ == start) fail("Expected a number");
    // RFC 9051 §9 number64: 0 <= n <= 9,223,372,036,854,775,807
    if (v > static_cast<uint64_t>(INT64_MAX)) fail("Number too big");
    return v;
}

uint64_t Cursor::nz_number64() {
    uint64_t v = number64();
    if (v == 0) fail("Zero is not allowed here");
    return v;
}

uint32_t Cursor::number() {
    uint64_t v = number64();
    if (v > UINT32_MAX) fail("Number too big");  // RFC 9051 §4.2: 32-bit unsigned
    return static_cast<uint32_t>(v);
}

uint32_t Cursor::nz_number() {
    uint32_t v = number();
    if (v == 0) fail("Zero is not allowed here");
    return v;
}

SeqSet Cursor::seqset(bool allow_saved) {
    size_t start = pos_;
    while (pos_ < raw_.size() && ((raw_[pos_] >= '0' && raw_[pos_] <= '9') || raw_[pos_] == ':' ||
                                  raw_[pos_] == ',' || raw_[pos_] == '*' || raw_[pos_] == '$'))
        ++pos_;
    auto set = parse_seqset(raw_.substr(start, pos_ - start), allow_saved);
    if (!set) fail("Invalid sequence set");
    return std::move(*set);
}

std::optional<std::string> Cursor::decode_name(std::string_view raw_name, bool pattern) {
    if (raw_name.size() > kMaxMailboxName) fail("Mailbox name too long");
    if (opt_.utf8) {  // RFC 6855 §3: UTF-8 names once UTF8=ACCEPT is enabled
        if (!valid_utf8_name(raw_name)) return std::nullopt;
        return pattern ? std::string(raw_name) : canonical_inbox(raw_name);
    }
    auto decoded = decode_mutf7(raw_name);
    if (!decoded) return std::nullopt;
    return pattern ? std::move(*decoded) : canonical_inbox(*decoded);
}

// A name that does not decode is still a well-formed astring (RFC 9051 §9): the command
// is not BAD, but no mailbox has that name, so the session answers NO (as Dovecot does).
Mailbox Cursor::mailbox() {
    std::string raw = astring();
    auto name = decode_name(raw, false);
    if (!name) {
        bad_name_ = true;
        return Mailbox{std::move(raw)};
    }
    return Mailbox{std::move(*name)};
}

std::optional<std::string> Cursor::list_mailbox() {
    if (at_string()) return decode_name(string(), true);
    // RFC 9051 §9: list-char = ATOM-CHAR / list-wildcards / resp-specials
    std::string_view raw_name = atom("%*]");
    return decode_name(raw_name, true);
}

std::string Cursor::flag() {
    if (eat('\\')) {  // RFC 9051 §9 flag-extension = "\" atom
        if (eat('*')) return "\\*";
        return "\\" + std::string(atom());
    }
    return std::string(atom());  // flag-keyword
}

std::vector<std::string> Cursor::flag_list() {
    std::vector<std::string> flags;
    open();
    if (!eat(')')) {
        while (true) {
            if (flags.size() >= 1000) fail("Too many flags");
            flags.push_back(flag());
            if (eat(')')) break;
            sp();
        }
    }
    --depth_;
    return flags;
}

Date Cursor::date() {
    std::string_view s;
    if (peek() == '"') {
        size_t close = raw_.find('"', pos_ + 1);
        if (close == std::string_view::npos) fail("Bad date");
        s = raw_.substr(pos_, close - pos_ + 1);
        pos_ = close + 1;
    } else {
        s = atom();
    }
    auto d = parse_date(s);
    if (!d) fail("Bad date");
    return *d;
}

DateTime Cursor::date_time() {
    expect('"');
    size_t close = raw_.find('"', pos_);
    if (close == std::string_view::npos) fail("Bad date-time");
    auto dt = parse_datetime(raw_.substr(pos_, close - pos_));
    if (!dt) fail("Bad date-time");
    pos_ = close + 1;
    return *dt;
}

void Cursor::open() {
    expect('(');
    if (++depth_ > kMaxNestingDepth) fail("Too deeply nested");
}

void Cursor::close() {
    expect(')');
    --depth_;
}

}  // namespace magpie::imap::detail
