// The text of a message for search and classification: decoded, charset-converted text of
// text/* parts (HTML reduced to text), decoded headers, and what each attachment is.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "mime/parser.h"

namespace magpie::mime {

struct AttachmentInfo {
    std::string part;           // IMAP part number, e.g. "2.1"
    std::string filename;       // decoded (RFC 2231 / RFC 2047), may be empty
    std::string content_type;   // declared, lower-case "type/subtype"
    std::string detected_type;  // from the content's first bytes (sniff.h)
    size_t encoded_size = 0;    // body octets as stored
};

struct ExtractedText {
    std::string subject;  // decoded Subject of the message
    std::string text;     // body text, parts separated by blank lines
    std::vector<AttachmentInfo> attachments;
    bool truncated = false;  // text stopped at ExtractOptions::max_text_bytes
};

struct ExtractOptions {
    size_t max_text_bytes = 4 << 20;    // text kept in total
    size_t max_part_decode = 32 << 20;  // body bytes decoded per text part
};

ExtractedText extract_text(const Message& msg, const ExtractOptions& opt = {});

// A header's value decoded to UTF-8 (RFC 2047 words, RFC 6532 raw UTF-8), or "".
std::string decoded_header(const Part& part, std::string_view name);

// A part's body with its transfer encoding undone (BINARY[] in RFC 3516 terms).
std::string decoded_body(std::string_view msg, const Part& part, size_t max_bytes = SIZE_MAX);

}  // namespace magpie::mime
