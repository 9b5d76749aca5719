// POP3 message encoding: CRLF normalisation, byte-stuffing, TOP's line cut.
#include "pop3/proto/message_encoder.h"

#include <cstring>

namespace magpie::pop3 {

MessageEncoder::MessageEncoder(int64_t body_lines, bool stuff)
    : body_lines_(body_lines), stuff_(stuff) {}

void MessageEncoder::put(char c, std::string& out) {
    if (line_len_ == 0 && c == '.' && stuff_) out += '.';  // RFC 1939 §3 byte-stuffing
    out += c;
    ++line_len_;
}

void MessageEncoder::end_line(std::string& out) {
    out += "\r\n";
    if (in_header_) {
        if (line_len_ == 0) {
            in_header_ = false;
            if (body_lines_ == 0) done_ = true;
        }
    } else if (body_lines_ >= 0 && ++body_sent_ >= body_lines_) {
        done_ = true;
    }
    line_len_ = 0;
}

void MessageEncoder::put_span(std::string_view s, std::string& out) {
    if (s.empty()) return;
    if (line_len_ == 0 && s[0] == '.' && stuff_) out += '.';
    out += s;
    line_len_ += s.size();
}

// Line by line: a CR right before the LF belongs to the line end, any other CR is data.
// A CR at the end of the input waits for the next chunk to tell which.
void MessageEncoder::feed(std::string_view in, std::string& out) {
    out.reserve(out.size() + in.size() + in.size() / 32 + 8);
    size_t i = 0;
    if (pending_cr_ && !done_ && !in.empty()) {
        pending_cr_ = false;
        if (in[0] == '\n') {
            end_line(out);
            i = 1;
        } else {
            put('\r', out);  // a bare CR stays as it is
        }
    }
    while (i < in.size() && !done_) {
        const char* p = in.data() + i;
        const void* lf = std::memchr(p, '\n', in.size() - i);
        if (!lf) {
            std::string_view rest(p, in.size() - i);
            if (rest.back() == '\r') {
                pending_cr_ = true;
                rest.remove_suffix(1);
            }
            put_span(rest, out);
            return;
        }
        size_t n = static_cast<size_t>(static_cast<const char*>(lf) - p);
        std::string_view line(p, n);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        put_span(line, out);
        end_line(out);
        i += n + 1;
    }
}

void MessageEncoder::finish(std::string& out) {
    if (done_) return;
    if (pending_cr_) {
        pending_cr_ = false;
        put('\r', out);
    }
    if (line_len_ > 0) end_line(out);
    done_ = true;
}

uint64_t pop3_size(std::string_view message) {
    MessageEncoder enc(-1, false);
    std::string out;
    enc.feed(message, out);
    enc.finish(out);
    return out.size();
}

}  // namespace magpie::pop3
