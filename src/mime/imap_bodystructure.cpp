// RFC 9051 §7.5.2 body structure: basic, text and message/rfc822 bodies with sizes and
// line counts in CRLF terms, multiparts, and the extension data (md5, disposition,
// language, location). Multiparts with no parts get an empty text/plain body, since the
// grammar requires at least one.
#include "mime/imap_bodystructure.h"

#include "core/strings.h"
#include "mime/imap_envelope.h"
#include "mime/imap_string.h"

namespace magpie::mime {

namespace {

void append_params(std::string& out, const Params& params) {
    if (params.empty()) {
        out += "NIL";
        return;
    }
    out.push_back('(');
    bool first = true;
    for (const auto& p : params) {
        if (!first) out.push_back(' ');
        first = false;
        append_imap_string(out, p.imap_name);
        out.push_back(' ');
        append_imap_string(out, p.imap_value);
    }
    out.push_back(')');
}

void append_disposition(std::string& out, const Part& p) {
    if (!p.has_disposition || p.disposition.type.empty()) {
        out += "NIL";
        return;
    }
    out.push_back('(');
    append_imap_string(out, p.disposition.type);
    out.push_back(' ');
    append_params(out, p.disposition.params);
    out.push_back(')');
}

void append_language(std::string& out, const Part& p) {
    if (p.language.empty()) {
        out += "NIL";
    } else {  // always a list, as Dovecot sends it
        out.push_back('(');
        for (size_t i = 0; i < p.language.size(); ++i) {
            if (i) out.push_back(' ');
            append_imap_string(out, p.language[i]);
        }
        out.push_back(')');
    }
}

// body-ext-1part / body-ext-mpart tail shared by both: disposition, language, location.
void append_ext_tail(std::string& out, const Part& p) {
    out.push_back(' ');
    append_disposition(out, p);
    out.push_back(' ');
    append_language(out, p);
    out.push_back(' ');
    append_imap_nstring(out, p.location, p.has_location);
}

// A message that is just 7-bit "text/plain" (charset us-ascii or none, in any case, no
// other fields) is reported with the default values in lower case, as Dovecot does.
bool is_default_type(const Part& p) {
    if (!p.is_root || !p.has_content_type || p.type != "text" || p.subtype != "plain") return false;
    if (p.params.size() > 1) return false;
    if (p.params.size() == 1 &&
        (p.params[0].imap_name.size() != 7 || p.params[0].name != "charset" ||
         !iequals(p.params[0].imap_value, "us-ascii")))
        return false;
    return (p.encoding_raw.empty() || iequals(p.encoding_raw, "7bit")) && !p.has_id &&
           !p.has_description && !p.has_md5 && !p.has_disposition && p.language.empty() &&
           !p.has_location;
}

void append_type(std::string& out, const Part& p) {
    if (p.content_type_invalid) {
        out += "\"\" \"\"";  // Dovecot reports an unparseable Content-Type so
    } else if (p.is_message() || !p.has_content_type || is_default_type(p)) {
        append_imap_string(out, p.type);
        out.push_back(' ');
        append_imap_string(out, p.subtype);
    } else {
        append_imap_string(out, p.type_as_written);
        out.push_back(' ');
        append_imap_string(out, p.subtype_as_written);
    }
}

// Content-Type parameters; text parts without a charset get "us-ascii" (RFC 2045 §5.2).
void append_body_params(std::string& out, const Part& p) {
    if (p.content_type_invalid) {
        out += "NIL";
        return;
    }
    if (is_default_type(p)) {
        out += "(\"charset\" \"us-ascii\")";
        return;
    }
    bool has_charset = false;
    for (const auto& x : p.params) has_charset |= iequals(x.imap_name, "charset");
    if (!p.is_text() || has_charset) {
        append_params(out, p.params);
        return;
    }
    Params with = p.params;
    Param cs;
    cs.name = cs.imap_name = "charset";
    cs.value = cs.imap_value = "us-ascii";
    with.push_back(std::move(cs));
    append_params(out, with);
}

void append_part(std::string& out, std::string_view msg, const Part& p, bool ext);

void append_empty_text(std::string& out, bool ext) {
    out += "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0";
    if (ext) out += " NIL NIL NIL NIL";
    out.push_back(')');
}

void append_multipart(std::string& out, std::string_view msg, const Part& p, bool ext) {
    out.push_back('(');
    if (p.children.empty()) append_empty_text(out, ext);
    for (const auto& c : p.children) append_part(out, msg, c, ext);
    out.push_back(' ');
    append_imap_string(out, p.has_content_type ? p.subtype_as_written : p.subtype);
    if (ext) {
        out.push_back(' ');
        append_params(out, p.params);
        append_ext_tail(out, p);
    }
    out.push_back(')');
}

void append_part(std::string& out, std::string_view msg, const Part& p, bool ext) {
    if (p.is_multipart()) {
        append_multipart(out, msg, p, ext);
        return;
    }
    out.push_back('(');
    append_type(out, p);
    out.push_back(' ');
    append_body_params(out, p);
    out.push_back(' ');
    append_imap_nstring(out, p.id, p.has_id);
    out.push_back(' ');
    append_imap_nstring(out, p.description, p.has_description);
    out.push_back(' ');
    append_imap_string(out, p.encoding_raw.empty() ? std::string_view("7bit") : p.encoding_raw);
    LineStats ls = count_lines(p.body_bytes(msg));
    out += ' ' + std::to_string(ls.crlf_size(p.body_size()));
    if (p.is_message()) {
        // RFC 9051 §7.5.2 body-type-msg: envelope, body, lines of the inner message.
        const Part& inner = *p.message;
        out.push_back(' ');
        append_envelope(out, inner.headers);
        out.push_back(' ');
        if (inner.is_multipart())
            append_multipart(out, msg, inner, ext);
        else
            append_part(out, msg, inner, ext);
        out += ' ' + std::to_string(ls.lines);
    } else if (p.is_text() && !p.content_type_invalid) {
        out += ' ' + std::to_string(ls.lines);  // body-type-text: body-fld-lines
    }
    if (ext) {
        out.push_back(' ');
        append_imap_nstring(out, p.md5, p.has_md5);
        append_ext_tail(out, p);
    }
    out.push_back(')');
}

}  // namespace

void append_bodystructure(std::string& out, const Message& msg, bool extended) {
    append_part(out, msg.data, msg.root, extended);
}

std::string bodystructure(const Message& msg, bool extended) {
    std::string out;
    append_bodystructure(out, msg, extended);
    return out;
}

}  // namespace magpie::mime
