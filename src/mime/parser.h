// The message model: a tree of MIME parts (RFC 2045-2049) over one buffer holding the
// whole message, usually a memory-mapped file. Parts keep byte offsets only; no body is
// copied. Broken structure is tolerated the way Dovecot and Thunderbird tolerate it.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mime/header.h"
#include "mime/limits.h"
#include "mime/line_stats.h"
#include "mime/params.h"
#include "mime/transfer_decode.h"

namespace magpie::mime {

struct Part {
    size_t header_start = 0;
    size_t header_end = 0;  // = body start; includes the blank line ending the header
    size_t body_end = 0;
    std::vector<HeaderField> headers;

    // Effective type, lower-case, defaults applied (RFC 2045 §5.2, RFC 2046 §5.1.5).
    std::string type;
    std::string subtype;
    Params params;                       // Content-Type parameters as written
    bool has_content_type = false;       // a valid Content-Type header was present
    bool content_type_invalid = false;   // present but unparseable (treated as text/plain)
    bool nesting_truncated = false;      // multipart/message past the limits, now a leaf
    bool is_root = false;                // the top entity of the stored message
    bool eol_given_to_boundary = false;  // header ends right before a boundary line
    bool keeps_boundary_eol = false;     // body_end includes the line end before the boundary
    std::string type_as_written;         // when present and valid
    std::string subtype_as_written;

    Disposition disposition;  // type empty when absent
    bool has_disposition = false;
    Encoding encoding = Encoding::k7bit;
    std::string encoding_raw;  // the Content-Transfer-Encoding token, empty when absent/invalid
    std::string id, description, md5, location;  // unfolded, trimmed; empty when absent
    bool has_id = false, has_description = false, has_md5 = false, has_location = false;
    std::vector<std::string> language;  // Content-Language tags (RFC 3282)

    std::vector<Part> children;     // multipart bodies
    std::unique_ptr<Part> message;  // message/rfc822 (and message/global): the inner message

    bool is_multipart() const { return type == "multipart"; }
    bool is_message() const { return message != nullptr; }
    bool is_text() const { return type == "text"; }
    size_t body_start() const { return header_end; }
    size_t body_size() const { return body_end - header_end; }
    size_t header_size() const { return header_end - header_start; }
    std::string_view header_bytes(std::string_view msg) const {
        return msg.substr(header_start, header_end - header_start);
    }
    std::string_view body_bytes(std::string_view msg) const {
        return msg.substr(header_end, body_end - header_end);
    }
    // First header with this name (case-insensitive), or nullptr.
    const HeaderField* header(std::string_view name) const { return find_field(headers, name); }
    // A Content-Type parameter's decoded value, or "".
    std::string param(std::string_view name) const;
    // Attachment file name: disposition filename, else Content-Type name (RFC 2183 §2.3).
    std::string filename() const;
};

struct Message {
    std::string_view data;
    Part root;  // the message itself: its header is the message header
    size_t part_count = 0;
};

// Parses `data`; the result refers into it, so `data` must outlive the Message.
Message parse_message(std::string_view data, const Limits& limits = {});

}  // namespace magpie::mime
