// Streaming reader for a message body: DATA (RFC 5321 §4.5.2 dot-unstuffing, end at
// CRLF.CRLF only) or BDAT chunks (RFC 3030, raw). It finds the end, checks the content
// (bare LF, NUL, overlong lines, header size, total size) and captures the Message-ID,
// without ever holding more than the bytes it is given.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace magpie::smtp {

struct DataLimits {
    int64_t max_size = 0;          // message bytes; past it output stops and too_big is set
    int64_t max_line = 65536;      // bytes in one line
    int64_t max_header = 1 << 20;  // bytes before the first empty line
};

struct DataStats {
    int64_t size = 0;  // message bytes seen (after unstuffing), counted past max_size too
    bool too_big = false;
    bool bare_lf = false;
    bool bare_cr = false;
    bool nul = false;
    bool long_line = false;
    bool header_too_big = false;
    bool eight_bit = false;
    std::string message_id;
};

class DataReader {
public:
    DataReader(DataLimits limits, bool dot_stuffed);
    // Consumes bytes from `in`, appends message bytes to `out`; returns how many input bytes
    // were used. In DATA mode it stops right after the terminating CRLF.CRLF (done() true).
    size_t feed(std::string_view in, std::string& out);
    bool done() const { return done_; }
    const DataStats& stats() const { return stats_; }

private:
    void emit(char c, std::string& out);
    void end_line();

    DataLimits limits_;
    bool dot_stuffed_;
    bool done_ = false;
    // DATA-mode scanner: 0 = line start, 1 = in line, 2 = line start saw '.', 3 = saw ".\r".
    int state_ = 0;
    bool prev_cr_ = false;
    int64_t line_len_ = 0;
    bool in_header_ = true;
    bool line_empty_ = true;
    std::string field_;  // current header line, kept only while it could be Message-ID
    bool capturing_id_ = false;
    DataStats stats_;
};

}  // namespace magpie::smtp
