// BINARY and BINARY.SIZE: part lookup, transfer decoding and literal8 output.
#include "imap/session/fetch_binary.h"

#include "imap/session/fetch_body.h"
#include "imap/session/fetch_literal.h"
#include "mime/parser.h"
#include "mime/sections.h"
#include "mime/transfer_decode.h"

namespace magpie::imap::detail {

namespace {

// Decodes a leaf body into `buf`; false for an unknown encoding. Identity encodings leave
// `buf` alone and return the body in *data with kind Binary.
bool decode_leaf(std::string_view body, mime::Encoding enc, std::string& buf,
                 std::string_view& data, LiteralKind& kind) {
    switch (enc) {
        case mime::Encoding::kUnknown:
            return false;
        case mime::Encoding::kBase64:
            mime::decode_base64(body, buf);
            break;
        case mime::Encoding::kQuotedPrintable:
            if (mime::find_line_flaws(body).bare_lf) {
                std::string crlf;
                append_crlf(crlf, body);  // hard line breaks come out as CRLF
                mime::decode_qp(crlf, buf);
            } else {
                mime::decode_qp(body, buf);
            }
            break;
        case mime::Encoding::kBinary:  // RFC 3516 §4.4: binary data comes back exactly
            data = body;
            kind = LiteralKind::Decoded;
            return true;
        default:
            data = body;
            kind = LiteralKind::Binary;
            return true;
    }
    data = buf;
    kind = LiteralKind::Decoded;
    return true;
}

}  // namespace

FetchError append_binary(std::string& out, FetchSource& src, const FetchAtt& att) {
    std::string numbers = part_numbers(att.section.part);
    std::string_view msg = src.bytes();
    std::string buf;
    std::string_view data = msg;
    LiteralKind kind = LiteralKind::Binary;
    if (!numbers.empty()) {
        const mime::Part* p = mime::find_part(src.tree(), numbers);
        if (!p)
            data = {};
        else if (p->is_multipart() || p->is_message())
            data = p->body_bytes(msg);
        else if (!decode_leaf(p->body_bytes(msg), p->encoding, buf, data, kind))
            return FetchError::UnknownCte;
    }
    bool size_only = att.kind == FetchAttKind::BinarySize;
    out += size_only ? "BINARY.SIZE[" : "BINARY[";
    out += numbers;
    out.push_back(']');
    if (size_only) {
        out.push_back(' ');
        append_number(out, sent_size(data, kind));
        return FetchError::None;
    }
    if (att.partial) {
        out.push_back('<');
        append_number(out, att.partial->first);
        out.push_back('>');
    }
    out.push_back(' ');
    append_literal(out, data, att.partial, kind);
    return FetchError::None;
}

}  // namespace magpie::imap::detail
