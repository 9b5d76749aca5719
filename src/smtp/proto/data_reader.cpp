// DATA/BDAT body scanner: dot-unstuffing and content checks in one pass.
#include "smtp/proto/data_reader.h"

#include "core/strings.h"

namespace magpie::smtp {

DataReader::DataReader(DataLimits limits, bool dot_stuffed) : limits_(limits), dot_stuffed_(dot_stuffed) {}

void DataReader::end_line() {
    if (in_header_) {
        if (line_empty_) {
            in_header_ = false;
            capturing_id_ = false;
        } else if (!field_.empty()) {
            bool continuation = field_[0] == ' ' || field_[0] == '\t';
            if (continuation && capturing_id_) {
                stats_.message_id += std::string(trim(field_));
            } else {
                capturing_id_ = istarts_with(field_, "message-id:");
                if (capturing_id_) stats_.message_id = std::string(trim(std::string_view(field_).substr(11)));
            }
        }
        field_.clear();
    }
    line_len_ = 0;
    line_empty_ = true;
}

void DataReader::emit(char c, std::string& out) {
    unsigned char u = static_cast<unsigned char>(c);
    ++stats_.size;
    if (limits_.max_size > 0 && stats_.size > limits_.max_size) {
        stats_.too_big = true;
    } else {
        out.push_back(c);
    }
    if (u == 0) stats_.nul = true;
    if (u >= 0x80) stats_.eight_bit = true;
    if (c == '\n') {
        if (!prev_cr_) stats_.bare_lf = true;
        prev_cr_ = false;
        end_line();
        return;
    }
    if (prev_cr_) stats_.bare_cr = true;  // CR not followed by LF
    prev_cr_ = c == '\r';
    if (c != '\r') {
        line_empty_ = false;
        if (in_header_ && field_.size() < 4096) field_.push_back(c);
    }
    if (++line_len_ > limits_.max_line) stats_.long_line = true;
    if (in_header_ && stats_.size > limits_.max_header) stats_.header_too_big = true;
}

size_t DataReader::feed(std::string_view in, std::string& out) {
    if (!dot_stuffed_) {
        out.reserve(out.size() + in.size());
        for (char c : in) emit(c, out);
        return in.size();
    }
    size_t i = 0;
    for (; i < in.size() && !done_; ++i) {
        char c = in[i];
        switch (state_) {
            case 0:  // at the start of a line (after CRLF)
                if (c == '.') {
                    state_ = 2;
                    continue;
                }
                state_ = 1;
                break;
            case 2:  // "." at line start: either the end or a stuffed dot
                if (c == '\r') {
                    state_ = 3;
                    continue;
                }
                state_ = 1;
                break;
            case 3:  // ".\r" at line start
                if (c == '\n') {
                    done_ = true;
                    continue;
                }
                emit('\r', out);  // ".\rX": the dot was stuffing, CR is data
                state_ = 1;
                break;
            default:
                break;
        }
        bool after_cr = prev_cr_;
        emit(c, out);
        // Only CRLF starts a new line for end detection (no bare-LF smuggling).
        if (c == '\n' && after_cr) state_ = 0;
    }
    return i;
}

}  // namespace magpie::smtp
