// Turns a stored message into POP3 multi-line data (RFC 1939 §3): CRLF line ends (a bare LF
// becomes CRLF), a '.' doubled at the start of a line, and for TOP (RFC 1939 §7) only the
// header, the blank line and the first N body lines. Fed in chunks, so large messages
// stream. The terminating ".\r\n" is the caller's.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace magpie::pop3 {

inline constexpr std::string_view kTerminator = ".\r\n";

class MessageEncoder {
  public:
    // body_lines < 0 sends the whole message. Without `stuff` the output is the message as
    // RFC 1939 sizes it (LIST, STAT: CRLF line ends, no byte-stuffing).
    explicit MessageEncoder(int64_t body_lines = -1, bool stuff = true);

    // Appends the encoding of `in` to `out`. Input after done() is ignored.
    void feed(std::string_view in, std::string& out);
    // Ends the data: a last line without a line end gets CRLF.
    void finish(std::string& out);
    // TOP has sent all it wanted.
    bool done() const { return done_; }

  private:
    void put(char c, std::string& out);
    // Bytes of the current line, none of them a line end.
    void put_span(std::string_view s, std::string& out);
    void end_line(std::string& out);

    int64_t body_lines_;
    bool stuff_;
    bool done_ = false;
    bool pending_cr_ = false;
    bool in_header_ = true;
    size_t line_len_ = 0;
    int64_t body_sent_ = 0;
};

// The size of a whole message as RFC 1939 counts it.
uint64_t pop3_size(std::string_view message);

}  // namespace magpie::pop3
