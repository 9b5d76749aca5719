// RFC 9051 §7.5.2 ENVELOPE: header values as written (unfolded), address lists in IMAP's
// flat form with RFC 9051 group markers, and Sender/Reply-To defaulting to From.
#include "mime/imap_envelope.h"

#include "core/strings.h"
#include "mime/address.h"
#include "mime/imap_string.h"

namespace magpie::mime {

namespace {

// Unfolds as Dovecot does for ENVELOPE: line ends go, a TAB that starts a continuation
// line becomes a space.
std::string unfold_envelope(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    bool after_eol = false;
    for (char c : raw) {
        if (c == '\r' || c == '\n') {
            after_eol = c == '\n';
            continue;
        }
        if (c == '\0')
            out += "\xEF\xBF\xBD";
        else
            out.push_back(after_eol && c == '\t' ? ' ' : c);
        after_eol = false;
    }
    return std::string(trim(out));
}

// The last occurrence wins for the string fields (as in Dovecot).
void append_text_field(std::string& out, const std::vector<HeaderField>& h, std::string_view name) {
    const HeaderField* f = nullptr;
    for (const auto& x : h)
        if (iequals(x.name, name)) f = &x;
    if (!f) {
        out += "NIL";
        return;
    }
    std::string v = unfold_envelope(f->raw_value);
    append_imap_nstring(out, v, !v.empty());
}

// Appends the addresses of every occurrence of the field, or returns false (NIL) when
// there are none.
bool append_addresses(std::string& out, const std::vector<HeaderField>& h, std::string_view name) {
    std::vector<Address> list;
    for (const auto& f : h) {
        if (!iequals(f.name, name) || list.size() >= kMaxAddresses) continue;
        auto more = parse_address_list(f.raw_value);
        list.insert(list.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
    }
    if (list.empty()) return false;
    out.push_back('(');
    for (const auto& a : list) {
        out.push_back('(');
        if (a.group_end) {
            out += "NIL NIL NIL NIL";  // RFC 9051 §7.5.2: end of group
        } else if (a.group_start) {
            out += "NIL NIL ";  // start of group: mailbox holds the group name
            append_imap_string(out, a.mailbox);
            out += " NIL";
        } else {
            append_imap_nstring(out, a.name, !a.name.empty());
            out.push_back(' ');
            append_imap_nstring(out, a.route, !a.route.empty());
            out.push_back(' ');
            // Dovecot's placeholders for the parts a broken address lacks.
            append_imap_string(out, a.mailbox.empty() ? "MISSING_MAILBOX" : a.mailbox);
            out.push_back(' ');
            append_imap_string(out, a.host.empty() ? "MISSING_DOMAIN" : a.host);
        }
        out.push_back(')');
    }
    out.push_back(')');
    return true;
}

void append_address_field(std::string& out, const std::vector<HeaderField>& h,
                          std::string_view name, std::string_view fallback = {}) {
    if (append_addresses(out, h, name)) return;
    // RFC 9051 §7.5.2: a missing Sender or Reply-To is set to From.
    if (!fallback.empty() && append_addresses(out, h, fallback)) return;
    out += "NIL";
}

}  // namespace

void append_envelope(std::string& out, const std::vector<HeaderField>& h) {
    out.push_back('(');
    append_text_field(out, h, "date");
    out.push_back(' ');
    append_text_field(out, h, "subject");
    out.push_back(' ');
    append_address_field(out, h, "from");
    out.push_back(' ');
    append_address_field(out, h, "sender", "from");
    out.push_back(' ');
    append_address_field(out, h, "reply-to", "from");
    out.push_back(' ');
    append_address_field(out, h, "to");
    out.push_back(' ');
    append_address_field(out, h, "cc");
    out.push_back(' ');
    append_address_field(out, h, "bcc");
    out.push_back(' ');
    append_text_field(out, h, "in-reply-to");
    out.push_back(' ');
    append_text_field(out, h, "message-id");
    out.push_back(')');
}

std::string envelope(const std::vector<HeaderField>& header) {
    std::string out;
    append_envelope(out, header);
    return out;
}

}  // namespace magpie::mime
