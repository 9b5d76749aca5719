// Streaming IMAP command reader: line/literal framing (RFC 9051 §2.2.1, §4.3, §7.5),
// non-synchronizing literals (RFC 7888), literal8 (RFC 3516), limits and recovery.
#include "imap/proto/reader.h"

#include <algorithm>

namespace magpie::imap {

namespace {

// Room kept from a skipped line to recognise a literal announcement at its end.
constexpr size_t kSkipTail = 32;

// RFC 9051 §9: tag = 1*<any ASTRING-CHAR except "+">.
bool tag_char(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return false;
    return c != '(' && c != ')' && c != '{' && c != '%' && c != '*' && c != '"' && c != '\\' &&
           c != '+';
}

std::string read_tag(std::string_view s) {
    size_t sp = s.find(' ');
    if (sp == std::string_view::npos || sp == 0 || sp > kMaxTagLength) return {};
    for (size_t i = 0; i < sp; ++i)
        if (!tag_char(s[i])) return {};
    return std::string(s.substr(0, sp));
}

struct Announcement {
    bool found = false;
    bool valid = true;
    bool nonsync = false;
    uint64_t size = 0;
};

// RFC 9051 §9 literal = "{" number64 ["+"] "}" CRLF; literal8 = "~{" ... (RFC 3516).
// `line` is without its line ending.
Announcement literal_at_end(std::string_view line) {
    Announcement a;
    if (line.empty() || line.back() != '}') return a;
    size_t open = line.rfind('{');
    if (open == std::string_view::npos) return a;
    std::string_view inner = line.substr(open + 1, line.size() - open - 2);
    if (!inner.empty() && inner.back() == '+') {
        a.nonsync = true;  // RFC 7888 §3
        inner.remove_suffix(1);
    }
    a.found = true;
    if (inner.empty() || inner.size() > 19) {
        a.valid = false;
        return a;
    }
    for (char c : inner) {
        if (c < '0' || c > '9') {
            a.found = false;  // "{abc}" is not a literal; let the parser judge the line
            return a;
        }
        a.size = a.size * 10 + static_cast<uint64_t>(c - '0');
    }
    return a;
}

std::string_view strip_eol(std::string_view line) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

}  // namespace

std::string ReadError::response() const {
    return (tag.empty() ? std::string("*") : tag) + " BAD " + text + "\r\n";
}

std::string CommandReader::tag() const {
    return read_tag(buf_);
}

void CommandReader::reset_command() {
    buf_.clear();
    line_start_ = 0;
    in_quote_ = false;
    escape_ = false;
    depth_ = 0;
    literals_ = 0;
}

void CommandReader::accept_literal() {
    if (state_ == State::AwaitDecision) state_ = State::Literal;
}

void CommandReader::reject_literal() {
    if (state_ != State::AwaitDecision) return;
    reset_command();
    literal_left_ = 0;
    state_ = State::Line;
}

ReadResult CommandReader::fail(ReadErrorKind kind, std::string text, size_t used, bool skip_line) {
    error_ = ReadError{kind, read_tag(buf_), std::move(text)};
    if (skip_line) {
        std::string_view line(buf_.data() + line_start_, buf_.size() - line_start_);
        skip_tail_.assign(line.substr(line.size() > kSkipTail ? line.size() - kSkipTail : 0));
        state_ = State::Skip;
    }
    reset_command();
    return {ReadStatus::Error, used};
}

ReadResult CommandReader::end_of_line(size_t used) {
    std::string_view line = strip_eol(std::string_view(buf_).substr(line_start_));
    Announcement a = in_quote_ ? Announcement{} : literal_at_end(line);
    in_quote_ = false;
    escape_ = false;
    if (!a.found) {
        if (line_start_ == 0 && line.empty()) {  // a blank line between commands: ignore
            reset_command();
            return {ReadStatus::NeedMore, used};
        }
        done_ = true;
        return {ReadStatus::Command, used};
    }
    const bool too_many = ++literals_ > limits_.max_literals;
    const bool too_big = !a.valid || a.size > limits_.max_literal ||
                         buf_.size() + a.size > limits_.max_command ||
                         (a.nonsync && a.size > limits_.max_nonsync_literal);
    if (too_many || too_big) {
        ReadResult r =
            fail(too_many ? ReadErrorKind::CommandTooBig : ReadErrorKind::LiteralTooBig,
                 too_many ? "[TOOBIG] Too many literals" : "[TOOBIG] Literal too big", used, false);
        if (a.nonsync && a.valid) {  // RFC 7888 §4: the data comes anyway; read and drop it
            literal_left_ = a.size;
            state_ = State::SkipLiteral;
        } else {
            state_ = State::Line;
        }
        return r;
    }
    literal_left_ = a.size;
    if (a.nonsync) {
        state_ = State::Literal;
        return {ReadStatus::NeedMore, used};
    }
    state_ = State::AwaitDecision;  // RFC 9051 §7.5: the server must send "+" first
    return {ReadStatus::Continuation, used};
}

ReadResult CommandReader::feed(std::string_view in) {
    if (done_) {
        reset_command();
        done_ = false;
    }
    size_t i = 0;
    while (i < in.size()) {
        switch (state_) {
            case State::AwaitDecision:
                return {ReadStatus::Continuation, i};
            case State::Literal: {
                size_t n = std::min<size_t>(literal_left_, in.size() - i);
                buf_.append(in.substr(i, n));
                i += n;
                literal_left_ -= n;
                if (literal_left_ == 0) {
                    state_ = State::Line;
                    line_start_ = buf_.size();
                }
                break;
            }
            case State::SkipLiteral: {
                size_t n = std::min<size_t>(literal_left_, in.size() - i);
                i += n;
                literal_left_ -= n;
                if (literal_left_ == 0) {
                    skip_tail_.clear();
                    state_ = State::Skip;
                }
                break;
            }
            case State::Skip: {
                size_t lf = in.find('\n', i);
                size_t end = lf == std::string_view::npos ? in.size() : lf;
                skip_tail_.append(in.substr(i, end - i));
                if (skip_tail_.size() > kSkipTail)
                    skip_tail_.erase(0, skip_tail_.size() - kSkipTail);
                if (lf == std::string_view::npos) {
                    i = in.size();
                    break;
                }
                i = lf + 1;
                Announcement a = literal_at_end(strip_eol(skip_tail_ + "\n"));
                skip_tail_.clear();
                if (a.found && a.valid && a.nonsync) {
                    literal_left_ = a.size;
                    state_ = State::SkipLiteral;
                } else {
                    state_ = State::Line;  // a synchronizing literal is never answered: done
                }
                break;
            }
            case State::Line: {
                for (; i < in.size(); ++i) {
                    char c = in[i];
                    buf_.push_back(c);
                    if (c == '\n') {
                        ReadResult r = end_of_line(i + 1);
                        if (r.status != ReadStatus::NeedMore) return r;
                        ++i;
                        break;
                    }
                    if (buf_.size() - line_start_ > limits_.max_line)
                        return fail(ReadErrorKind::LineTooLong, "[TOOBIG] Line too long", i + 1,
                                    true);
                    if (buf_.size() > limits_.max_command)
                        return fail(ReadErrorKind::CommandTooBig, "[TOOBIG] Command too long",
                                    i + 1, true);
                    if (in_quote_) {  // RFC 9051 §4.3 quoted: "\" escapes "\" and DQUOTE
                        if (escape_)
                            escape_ = false;
                        else if (c == '\\')
                            escape_ = true;
                        else if (c == '"')
                            in_quote_ = false;
                    } else if (c == '"') {
                        in_quote_ = true;
                    } else if (c == '(') {
                        if (++depth_ > limits_.max_depth)
                            return fail(ReadErrorKind::TooDeep, "Too deeply nested", i + 1, true);
                    } else if (c == ')' && depth_ > 0) {
                        --depth_;
                    }
                }
                break;
            }
        }
    }
    return {ReadStatus::NeedMore, i};
}

}  // namespace magpie::imap
