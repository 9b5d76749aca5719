// Tokenizer for structured header fields: RFC 5322 §3.2 (CFWS, atoms, quoted strings,
// domain literals) and RFC 2045 §5.1 tokens. Never reads past the end of its input.
#pragma once
#include <string>
#include <string_view>

namespace magpie::mime {

class Lexer {
  public:
    explicit Lexer(std::string_view s) : s_(s) {}

    bool eof() const { return pos_ >= s_.size(); }
    char peek() const { return eof() ? '\0' : s_[pos_]; }
    size_t pos() const { return pos_; }
    void set_pos(size_t p) { pos_ = p < s_.size() ? p : s_.size(); }
    void advance() {
        if (!eof()) ++pos_;
    }
    bool consume(char c) {
        if (peek() != c || eof()) return false;
        ++pos_;
        return true;
    }
    std::string_view rest() const { return s_.substr(pos_); }

    // RFC 5322 §3.2.2: whitespace, line ends and nested comments. Comment texts are
    // appended to `comments` (space separated) when given.
    void skip_cfws(std::string* comments = nullptr);
    // RFC 5322 §3.2.3 atext run, plus '.' when `dots` (dot-atom and obs-local-part).
    std::string_view atom(bool dots = false);
    // RFC 2045 §5.1 token (any CHAR except SPACE, CTLs and tspecials; 8-bit allowed).
    std::string_view token();
    // RFC 5322 §3.2.4; s_[pos_] must be '"'. Returns the unescaped content; an unclosed
    // string runs to the end.
    std::string quoted_string();
    // RFC 5322 §3.4.1 "[...]"; s_[pos_] must be '['. Returned with its brackets.
    std::string domain_literal();
    // A word: atom or quoted string (RFC 5322 §3.2.5).
    bool word(std::string& out, bool dots = false);

  private:
    std::string_view s_;
    size_t pos_ = 0;
};

}  // namespace magpie::mime
