// Text extraction: walks the part tree; for multipart/alternative (RFC 2046 §5.1.4) only
// the plainest text alternative is used so text is not counted twice; text parts are
// transfer-decoded and converted to UTF-8; other leaves are listed as attachments.
#include "mime/text_extract.h"

#include <cstdint>

#include "core/strings.h"
#include "mime/charset.h"
#include "mime/header.h"
#include "mime/html_text.h"
#include "mime/rfc2047.h"
#include "mime/sniff.h"
#include "mime/transfer_decode.h"

namespace magpie::mime {

namespace {

class Extractor {
  public:
    Extractor(std::string_view msg, const ExtractOptions& opt, ExtractedText& out)
        : msg_(msg), opt_(opt), out_(out) {}

    void part(const Part& p, const std::string& number) {
        if (p.message) {
            std::string subject = decoded_header(*p.message, "subject");
            if (!subject.empty()) add_text(subject);
            entity(*p.message, number);
            return;
        }
        if (p.is_multipart()) {
            if (p.subtype == "alternative" && !p.children.empty()) {
                size_t pick = choose_alternative(p);
                part(p.children[pick], child_number(number, pick));
                return;
            }
            for (size_t i = 0; i < p.children.size(); ++i)
                part(p.children[i], child_number(number, i));
            return;
        }
        bool attachment = iequals(p.disposition.type, "attachment") || !p.filename().empty();
        if (p.is_text() && (p.subtype == "plain" || p.subtype == "html" || !attachment)) {
            text_part(p);
            if (!attachment) return;
        }
        AttachmentInfo a;
        a.part = number.empty() ? "1" : number;
        a.filename = p.filename();
        a.content_type = p.type + "/" + p.subtype;
        a.detected_type = detect_type(decoded_body(msg_, p, kSniffBytes));
        a.encoded_size = p.body_size();
        out_.attachments.push_back(std::move(a));
    }

    // The top entity of a message: its parts are numbered 1.. within `number`.
    void entity(const Part& m, const std::string& number) {
        if (m.is_multipart()) {
            part(m, number);
        } else {
            part(m, number.empty() ? "1" : number + ".1");
        }
    }

  private:
    std::string_view msg_;
    const ExtractOptions& opt_;
    ExtractedText& out_;

    static std::string child_number(const std::string& parent, size_t i) {
        return parent.empty() ? std::to_string(i + 1) : parent + "." + std::to_string(i + 1);
    }

    // text/plain first, then any other text, else the last alternative.
    static size_t choose_alternative(const Part& p) {
        for (size_t i = 0; i < p.children.size(); ++i)
            if (p.children[i].is_text() && p.children[i].subtype == "plain") return i;
        for (size_t i = p.children.size(); i-- > 0;)
            if (p.children[i].is_text() || p.children[i].is_multipart()) return i;
        return p.children.size() - 1;
    }

    void add_text(std::string_view t) {
        if (t.empty() || out_.truncated) return;
        if (!out_.text.empty()) out_.text += "\n\n";
        size_t room =
            opt_.max_text_bytes > out_.text.size() ? opt_.max_text_bytes - out_.text.size() : 0;
        if (t.size() > room) {
            t = t.substr(0, room);
            while (!t.empty() && (static_cast<unsigned char>(t.back()) & 0xC0) == 0x80)
                t.remove_suffix(1);  // do not cut a UTF-8 sequence
            if (!t.empty() && static_cast<unsigned char>(t.back()) >= 0xC0) t.remove_suffix(1);
            out_.truncated = true;
        }
        out_.text.append(t);
    }

    void text_part(const Part& p) {
        std::string raw = decoded_body(msg_, p, opt_.max_part_decode);
        std::string charset = p.param("charset");
        if (p.subtype == "html" && charset.empty()) charset = html_meta_charset(raw);
        std::string utf8;
        to_utf8(charset.empty() ? "us-ascii" : charset, raw, utf8);
        if (p.subtype == "html") {
            std::string text;
            html_to_text(utf8, text);
            add_text(text);
        } else {
            add_text(utf8);
        }
    }
};

}  // namespace

std::string decoded_header(const Part& part, std::string_view name) {
    const HeaderField* f = part.header(name);
    if (!f) return {};
    return std::string(trim(decode_rfc2047(f->raw_value)));
}

std::string decoded_body(std::string_view msg, const Part& part, size_t max_bytes) {
    std::string_view body = part.body_bytes(msg);
    // Decoding never grows data, so a prefix of the encoded body is enough.
    if (part.encoding == Encoding::kBase64 && max_bytes < SIZE_MAX / 2)
        body = body.substr(0, max_bytes / 3 * 4 + 8 + max_bytes / 38 * 2);
    else if (body.size() > max_bytes && part.encoding != Encoding::kQuotedPrintable)
        body = body.substr(0, max_bytes);
    else if (max_bytes < SIZE_MAX / 4)
        body = body.substr(0, max_bytes * 3 + 8);
    std::string out;
    decode_transfer(part.encoding, body, out);
    if (out.size() > max_bytes) out.resize(max_bytes);
    return out;
}

ExtractedText extract_text(const Message& msg, const ExtractOptions& opt) {
    ExtractedText out;
    out.subject = decoded_header(msg.root, "subject");
    Extractor x(msg.data, opt, out);
    x.entity(msg.root, "");
    return out;
}

}  // namespace magpie::mime
