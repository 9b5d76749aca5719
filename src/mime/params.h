// MIME parameter lists (RFC 2045 §5.1) with RFC 2231 continuations, charsets and languages.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::mime {

struct Param {
    std::string name;      // lower-case, without RFC 2231 "*N*" suffixes
    std::string value;     // decoded to UTF-8 (RFC 2231 charset, or RFC 2047 words as clients do)
    std::string language;  // RFC 2231 §5 language tag, when given
    // The form IMAP shows (Dovecot's): continuations merged; an RFC 2231-encoded value
    // keeps its "charset'lang'%XX" form and its name keeps the trailing '*'.
    std::string imap_name;
    std::string imap_value;
};

using Params = std::vector<Param>;

// Parses "; name=value; name*0=..." from `text` (the part after the main value).
Params parse_params(std::string_view text);
const Param* find_param(const Params& params, std::string_view name);

// "Content-Type: type/subtype; params" (RFC 2045 §5.1).
struct ContentType {
    // As written (IMAP shows it so); both empty when invalid: not "token/token" followed
    // by ';' or the end (Dovecot then reports "" "" with no parameters).
    std::string type;
    std::string subtype;
    Params params;
};
ContentType parse_content_type(std::string_view value);

// "Content-Disposition: inline; filename=..." (RFC 2183 §2).
struct Disposition {
    std::string type;  // as written; empty when missing
    Params params;
};
Disposition parse_disposition(std::string_view value);

}  // namespace magpie::mime
