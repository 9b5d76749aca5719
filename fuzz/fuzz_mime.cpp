// libFuzzer target for the MIME library: structure parsing, BODYSTRUCTURE/ENVELOPE,
// header decoding, address lists, transfer decoding, charset conversion, section lookup
// and text extraction, all over one input treated as a message; the vectorised line scan
// is checked against the plain count.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mime/address.h"
#include "mime/charset.h"
#include "mime/imap_bodystructure.h"
#include "mime/imap_envelope.h"
#include "mime/line_stats.h"
#include "mime/parser.h"
#include "mime/rfc2047.h"
#include "mime/transfer_decode.h"
#if __has_include("mime/sections.h")
#include "mime/sections.h"
#endif
#if __has_include("mime/text_extract.h")
#include "mime/text_extract.h"
#endif

using namespace magpie::mime;

static void walk(std::string_view data, const Part& p, size_t& sink) {
    for (const auto& f : p.headers) {
        sink += decode_rfc2047(f.raw_value).size();
        sink += parse_address_list(f.raw_value).size();
    }
    std::string decoded;
    decode_transfer(p.encoding, p.body_bytes(data).substr(0, 1 << 16), decoded);
    std::string utf8;
    to_utf8(p.param("charset"), decoded, utf8);
    sink += utf8.size() + p.filename().size();
    if (p.message) {
        sink += envelope(p.message->headers).size();
        walk(data, *p.message, sink);
    }
    for (const auto& c : p.children) walk(data, c, sink);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    // An exact-size heap copy so ASan catches any read past the end.
    std::string buf(reinterpret_cast<const char*>(bytes), size);
    std::string_view data(buf);
    LineFlaws flaws = find_line_flaws(data);
    if (flaws.bare_lf != (count_lines(data).bare_lf > 0) ||
        flaws.nul != (data.find('\0') != std::string_view::npos))
        __builtin_trap();
    Limits lim;
    lim.max_depth = 40;
    Message msg = parse_message(data, lim);
    size_t sink = bodystructure(msg, true).size() + bodystructure(msg, false).size();
    sink += envelope(msg.root.headers).size();
    walk(data, msg.root, sink);
#if __has_include("mime/sections.h")
    for (const char* spec : {"", "HEADER", "TEXT", "1", "1.MIME", "2", "1.1", "2.HEADER",
                             "1.2.TEXT", "3.1.2", "1.HEADER.FIELDS"}) {
        if (auto r = find_section(msg, spec)) sink += r->end - r->start;
    }
#endif
#if __has_include("mime/text_extract.h")
    sink += extract_text(msg).text.size();
#endif
    return sink == size_t(-1);
}
