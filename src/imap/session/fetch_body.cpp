// BODY[section] and RFC822* items: section resolution (mime/sections.h) and output.
#include "imap/session/fetch_body.h"

#include <optional>

#include "imap/proto/response.h"
#include "imap/session/fetch_header_fields.h"
#include "imap/session/fetch_literal.h"
#include "mime/sections.h"

namespace magpie::imap::detail {

namespace {

std::string_view text_name(SectionText t) {
    switch (t) {
        case SectionText::Header:
            return "HEADER";
        case SectionText::HeaderFields:
            return "HEADER.FIELDS";
        case SectionText::HeaderFieldsNot:
            return "HEADER.FIELDS.NOT";
        case SectionText::Text:
            return "TEXT";
        case SectionText::Mime:
            return "MIME";
        case SectionText::None:
            break;
    }
    return {};
}

// RFC 9051 §9 section-spec as the response names it, e.g. "2.HEADER.FIELDS (FROM TO)".
void append_spec(std::string& out, const Section& s, const std::string& numbers) {
    out += numbers;
    if (s.text == SectionText::None) return;
    if (!numbers.empty()) out.push_back('.');
    out += text_name(s.text);
    if (s.text != SectionText::HeaderFields && s.text != SectionText::HeaderFieldsNot) return;
    out += " (";
    for (size_t i = 0; i < s.fields.size(); ++i) {
        if (i) out.push_back(' ');
        append_astring(out, s.fields[i]);
    }
    out.push_back(')');
}

// The bytes of a section other than HEADER.FIELDS; nullopt when it does not exist.
std::optional<std::string_view> section_bytes(FetchSource& src, const Section& s,
                                              const std::string& numbers) {
    std::string_view msg = src.bytes();
    if (s.part.empty()) {
        switch (s.text) {
            case SectionText::None:
                return msg;
            case SectionText::Header:
                return msg.substr(0, src.root_header_end());
            case SectionText::Text:
                return msg.substr(src.root_header_end());
            default:
                return std::nullopt;
        }
    }
    std::string spec = numbers;
    if (s.text != SectionText::None) {
        spec.push_back('.');
        spec += text_name(s.text);
    }
    auto r = mime::find_section(src.tree(), spec);
    if (!r) return std::nullopt;
    return msg.substr(r->start, r->size());
}

// HEADER.FIELDS (.NOT) of the top-level header or of the message in a message/rfc822 part.
bool header_fields(std::string& buf, FetchSource& src, const Section& s,
                   const std::string& numbers) {
    bool exclude = s.text == SectionText::HeaderFieldsNot;
    std::string_view msg = src.bytes();
    if (s.part.empty()) {
        filter_header(buf, msg, 0, src.root_header_end(), src.root_fields(), s.fields, exclude);
        return true;
    }
    const mime::Part* p = mime::find_part(src.tree(), numbers);
    if (!p || !p->message) return false;
    const mime::Part& m = *p->message;
    filter_header(buf, msg, m.header_start, m.header_end, m.headers, s.fields, exclude);
    return true;
}

}  // namespace

std::string part_numbers(const std::vector<uint32_t>& part) {
    std::string out;
    for (size_t i = 0; i < part.size(); ++i) {
        if (i) out.push_back('.');
        append_number(out, part[i]);
    }
    return out;
}

void append_body_section(std::string& out, FetchSource& src, const FetchAtt& att) {
    const Section& s = att.section;
    std::string numbers = part_numbers(s.part);
    out += "BODY[";
    append_spec(out, s, numbers);
    out.push_back(']');
    if (att.partial) {
        out.push_back('<');
        append_number(out, att.partial->first);
        out.push_back('>');
    }
    out.push_back(' ');
    if (s.text == SectionText::HeaderFields || s.text == SectionText::HeaderFieldsNot) {
        std::string buf;
        if (!header_fields(buf, src, s, numbers)) buf.clear();
        append_literal(out, buf, att.partial, LiteralKind::Text);
        return;
    }
    auto bytes = section_bytes(src, s, numbers);
    append_literal(out, bytes.value_or(std::string_view()), att.partial, LiteralKind::Text);
}

void append_rfc822(std::string& out, FetchSource& src, FetchAttKind kind) {
    std::string_view msg = src.bytes();
    switch (kind) {
        case FetchAttKind::Rfc822Header:
            out += "RFC822.HEADER ";
            msg = msg.substr(0, src.root_header_end());
            break;
        case FetchAttKind::Rfc822Text:
            out += "RFC822.TEXT ";
            msg = msg.substr(src.root_header_end());
            break;
        default:
            out += "RFC822 ";
            break;
    }
    append_literal(out, msg, std::nullopt, LiteralKind::Text);
}

}  // namespace magpie::imap::detail
