// Line ends of a byte range as IMAP counts and sends them.
#pragma once
#include <cstddef>
#include <string_view>

namespace magpie::mime {

// Line ends and sizes of a byte range as IMAP counts them (RFC 9051 §7.5.2): a bare LF
// counts as a line end and as two octets, since the message is sent with CRLF.
struct LineStats {
    size_t lines = 0;    // number of LF bytes
    size_t bare_lf = 0;  // LFs without a preceding CR
    size_t crlf_size(size_t raw) const { return raw + bare_lf; }
};
LineStats count_lines(std::string_view bytes);

// Whether a byte range can be sent as it is: without a bare LF or a NUL, one pass.
struct LineFlaws {
    bool bare_lf = false;
    bool nul = false;
};
LineFlaws find_line_flaws(std::string_view bytes);

}  // namespace magpie::mime
