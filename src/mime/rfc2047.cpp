// RFC 2047 §2-§6 encoded-word decoding, tolerant like mail clients: words inside quoted
// strings and words glued to text are decoded too, and adjacent words in one charset are
// joined before conversion so a multibyte character split across words survives.
#include "mime/rfc2047.h"

#include "core/strings.h"
#include "mime/charset.h"
#include "mime/header.h"
#include "mime/transfer_decode.h"

namespace magpie::mime {

namespace {

struct EncodedWord {
    size_t end = 0;  // offset after "?="
    std::string charset;
    std::string bytes;  // decoded, still in `charset`
};

// Parses "=?charset?enc?text?=" at text[pos]; RFC 2047 §2.
bool parse_word(std::string_view text, size_t pos, EncodedWord& w) {
    if (text.compare(pos, 2, "=?") != 0) return false;
    size_t q1 = text.find('?', pos + 2);
    if (q1 == std::string_view::npos || q1 + 2 >= text.size() || text[q1 + 2] != '?') return false;
    char enc = text[q1 + 1];
    size_t q3 = text.find("?=", q1 + 3);
    if (q3 == std::string_view::npos) return false;
    std::string_view cs = text.substr(pos + 2, q1 - pos - 2);
    std::string_view payload = text.substr(q1 + 3, q3 - q1 - 3);
    if (cs.empty() || cs.find_first_of(" \t") != std::string_view::npos) return false;
    if (payload.find_first_of(" \t") != std::string_view::npos) return false;
    w.bytes.clear();
    if (enc == 'B' || enc == 'b')
        decode_base64(payload, w.bytes);
    else if (enc == 'Q' || enc == 'q')
        decode_qp(payload, w.bytes, true);
    else
        return false;
    w.charset = std::string(cs);
    w.end = q3 + 2;
    return true;
}

void append_raw(std::string_view raw, std::string& out) {
    if (is_valid_utf8(raw))
        out.append(raw);  // RFC 6532 §3.2: UTF-8 in headers
    else
        to_utf8("iso-8859-1", raw, out);
}

}  // namespace

std::string decode_rfc2047(std::string_view input) {
    std::string text = unfold(input);
    std::string out;
    out.reserve(text.size());
    std::string pending;  // bytes of adjacent encoded words sharing pending_cs
    std::string pending_cs;
    auto flush = [&] {
        if (!pending_cs.empty()) to_utf8(pending_cs, pending, out);
        pending.clear();
        pending_cs.clear();
    };
    std::string_view t = text;
    size_t pos = 0, lit_start = 0;
    EncodedWord w;
    while (pos < t.size()) {
        size_t eq = t.find("=?", pos);
        if (eq == std::string_view::npos) break;
        if (!parse_word(t, eq, w)) {
            pos = eq + 2;
            continue;
        }
        std::string_view between = t.substr(lit_start, eq - lit_start);
        bool only_ws = trim(between).empty();
        bool adjacent = !pending_cs.empty() && only_ws;
        if (adjacent && iequals(pending_cs, w.charset)) {
            pending += w.bytes;  // §6.2: whitespace between encoded words is ignored
        } else {
            flush();
            if (!adjacent) append_raw(between, out);
            pending_cs = w.charset;
            pending = w.bytes;
        }
        pos = lit_start = w.end;
    }
    flush();
    append_raw(t.substr(lit_start), out);
    return out;
}

}  // namespace magpie::mime
