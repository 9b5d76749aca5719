// POP3 message encoding: CRLF normalisation, byte-stuffing, TOP's line cut.
#include "pop3/proto/message_encoder.h"

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

void MessageEncoder::feed(std::string_view in, std::string& out) {
    out.reserve(out.size() + in.size() + in.size() / 32 + 8);
    for (char c : in) {
        if (done_) return;
        if (pending_cr_) {
            pending_cr_ = false;
            if (c == '\n') {
                end_line(out);
                continue;
            }
            put('\r', out);  // a bare CR stays as it is
        }
        if (c == '\r') {
            pending_cr_ = true;
        } else if (c == '\n') {
            end_line(out);
        } else {
            put(c, out);
        }
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
