// Streaming IMAP command reader (RFC 9051 §2.2, §4.3): feed bytes, get whole commands.
// It follows quoted strings and literals ({n} synchronizing, {n+} non-synchronizing per
// RFC 7888, ~{n} literal8 per RFC 3516) to find where a command ends, enforces the line,
// command, literal and nesting limits, and after a broken command skips to its end
// (reading past announced non-synchronizing literals) so the next command parses cleanly.
// Memory is bounded by max_command plus a few bytes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "imap/proto/limits.h"

namespace magpie::imap {

struct ReaderLimits {
    size_t max_line = kMaxLineLength;
    size_t max_command = kMaxCommandSize;
    size_t max_literal = kMaxLiteralSize;
    // Non-synchronizing literals: kMaxLiteralMinus under LITERAL-, max_literal under LITERAL+.
    size_t max_nonsync_literal = kMaxLiteralMinus;
    int max_depth = kMaxNestingDepth;
    int max_literals = kMaxLiteralsPerCommand;
};

enum class ReadStatus {
    NeedMore,      // all input used; feed more
    Command,       // command() holds one whole command
    Continuation,  // a synchronizing literal was announced: accept_literal() or reject_literal()
    Error,         // error() describes a broken command; the reader skips the rest of it
};

enum class ReadErrorKind { None, LineTooLong, CommandTooBig, LiteralTooBig, BadLiteral, TooDeep };

struct ReadError {
    ReadErrorKind kind = ReadErrorKind::None;
    std::string tag;  // empty when the tag was unreadable: answer untagged
    std::string text;

    // "tag BAD [code] text\r\n" or "* BAD text\r\n", ready to send.
    std::string response() const;
};

struct ReadResult {
    ReadStatus status = ReadStatus::NeedMore;
    size_t used = 0;  // bytes of the input consumed
};

class CommandReader {
  public:
    explicit CommandReader(ReaderLimits limits = {}) : limits_(limits) {}

    // Consumes input up to the next event. Unused bytes must be fed again.
    ReadResult feed(std::string_view in);

    // The raw command: its lines with CRLF and literal bytes inline. After Command: the whole
    // command, valid until the next feed(). After Continuation: the command so far (ending
    // with the "{n}" line), so the server can judge an APPEND before accepting its literal.
    std::string_view command() const { return buf_; }
    const ReadError& error() const { return error_; }
    // Size of the announced synchronizing literal (after Continuation).
    size_t literal_size() const { return literal_left_; }
    // The tag of the command being read ("" when unreadable), e.g. for a NO on a literal.
    std::string tag() const;

    // After Continuation: the caller sends "+ Ready for literal data" and bytes follow.
    void accept_literal();
    // After Continuation: the caller sends a tagged NO/BAD; the command is dropped (the
    // client sends no literal after a refusal, RFC 9051 §7.5).
    void reject_literal();

    // True while a command is partly read (for IDLE/timeouts, and for tests).
    bool mid_command() const { return (!buf_.empty() && !done_) || state_ != State::Line; }

  private:
    enum class State { Line, Literal, AwaitDecision, Skip, SkipLiteral };

    ReadResult fail(ReadErrorKind kind, std::string text, size_t used, bool skip_line);
    // Inspects the end of a finished line for a literal announcement.
    ReadResult end_of_line(size_t used);
    void reset_command();

    ReaderLimits limits_;
    State state_ = State::Line;
    std::string buf_;
    ReadError error_;
    bool done_ = false;      // buf_ holds a delivered command; clear on next feed
    size_t line_start_ = 0;  // offset of the current line in buf_
    size_t literal_left_ = 0;
    bool in_quote_ = false;
    bool escape_ = false;
    int depth_ = 0;
    int literals_ = 0;
    std::string skip_tail_;  // last bytes of a skipped line, to spot "{n+}" at its end
};

}  // namespace magpie::imap
