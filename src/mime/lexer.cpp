// RFC 5322 §3.2 lexical tokens for structured header fields.
#include "mime/lexer.h"

namespace magpie::mime {

namespace {

// RFC 5322 §3.2.3 atext; 8-bit bytes are accepted as atext (RFC 6532 §3.2).
bool is_atext(unsigned char c) {
    if (c >= 0x80) return true;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '/':
        case '=':
        case '?':
        case '^':
        case '_':
        case '`':
        case '{':
        case '|':
        case '}':
        case '~':
            return true;
        default:
            return false;
    }
}

// RFC 2045 §5.1 tspecials, plus SPACE and CTLs.
bool is_token_char(unsigned char c) {
    if (c <= 0x20 || c == 0x7f) return false;
    switch (c) {
        case '(':
        case ')':
        case '<':
        case '>':
        case '@':
        case ',':
        case ';':
        case ':':
        case '\\':
        case '"':
        case '/':
        case '[':
        case ']':
        case '?':
        case '=':
            return false;
        default:
            return true;
    }
}

}  // namespace

void Lexer::skip_cfws(std::string* comments) {
    while (!eof()) {
        char c = s_[pos_];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ++pos_;
        } else if (c == '(') {
            int depth = 0;
            std::string text;
            while (!eof()) {
                char d = s_[pos_++];
                if (d == '\\' && !eof()) {
                    text.push_back(s_[pos_++]);
                    continue;
                }
                if (d == '(') {
                    if (depth++ == 0) continue;
                } else if (d == ')') {
                    if (--depth == 0) break;
                }
                text.push_back(d);
            }
            if (comments) {
                if (!comments->empty()) comments->push_back(' ');
                *comments += text;
            }
        } else {
            break;
        }
    }
}

std::string_view Lexer::atom(bool dots) {
    size_t start = pos_;
    while (!eof() && (is_atext(static_cast<unsigned char>(s_[pos_])) || (dots && s_[pos_] == '.')))
        ++pos_;
    return s_.substr(start, pos_ - start);
}

std::string_view Lexer::token() {
    size_t start = pos_;
    while (!eof() && is_token_char(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return s_.substr(start, pos_ - start);
}

std::string Lexer::quoted_string() {
    std::string out;
    ++pos_;  // opening quote
    while (!eof()) {
        char c = s_[pos_++];
        if (c == '"') break;
        if (c == '\\' && !eof()) {
            out.push_back(s_[pos_++]);
        } else if (c == '\r' || c == '\n') {
            continue;  // RFC 5322 §3.2.4: FWS inside quotes unfolds
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string Lexer::domain_literal() {
    std::string out;
    while (!eof()) {
        char c = s_[pos_++];
        if (c == '\\' && !eof()) {
            out.push_back(s_[pos_++]);
            continue;
        }
        if (c == '\r' || c == '\n') continue;
        out.push_back(c);
        if (c == ']') break;
    }
    return out;
}

bool Lexer::word(std::string& out, bool dots) {
    if (peek() == '"' && !eof()) {
        out = quoted_string();
        return true;
    }
    std::string_view a = atom(dots);
    if (a.empty()) return false;
    out = std::string(a);
    return true;
}

}  // namespace magpie::mime
