// Folded text of a message for SEARCH. Header keys read only the header block (no MIME
// parse); body keys parse the message and decode its text parts one at a time.
#include "imap/session/search_text.h"

#include "core/strings.h"
#include "imap/session/casefold.h"
#include "mime/address.h"
#include "mime/charset.h"
#include "mime/html_text.h"
#include "mime/limits.h"
#include "mime/rfc2047.h"
#include "mime/transfer_decode.h"

namespace magpie::imap {

namespace {

bool plain_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return s.find("=?") == std::string_view::npos;
}

// A header value decoded to UTF-8 and folded, appended to `out`.
void append_folded_value(std::string_view raw, std::string& out) {
    if (plain_ascii(raw)) {
        for (char c : raw)
            if (c != '\r' && c != '\n') out.push_back(c >= 'A' && c <= 'Z' ? char(c + 32) : c);
        return;
    }
    fold_append(mime::decode_rfc2047(raw), out);
}

bool utf8_label(std::string_view charset) {
    return charset.empty() || iequals(charset, "utf-8") || iequals(charset, "us-ascii") ||
           iequals(charset, "utf8");
}

}  // namespace

Needle::Needle(std::string_view text)
    : folded_(fold(text)), searcher_(folded_.data(), folded_.data() + folded_.size()) {}

bool Needle::found_in(std::string_view hay) const {
    if (folded_.size() < 4) return hay.find(folded_) != std::string_view::npos;
    const char* end = hay.data() + hay.size();
    return searcher_(hay.data(), end).first != end;
}

void MessageText::reset(MessageData* msg) {
    msg_ = msg;
    have_fields_ = have_header_text_ = have_segments_ = false;
    fields_.clear();
    header_text_.clear();
    segments_.clear();
    next_segment_ = 0;
    body_.clear();
}

const std::vector<mime::HeaderField>& MessageText::fields() {
    if (!have_fields_) {
        have_fields_ = true;
        fields_ = mime::parse_header(msg_->bytes(), 0, mime::Limits{}.max_header_fields).fields;
    }
    return fields_;
}

bool MessageText::field_matches(const mime::HeaderField& f, const Needle& needle, bool address) {
    if (needle.empty()) return true;
    scratch_.clear();
    append_folded_value(f.raw_value, scratch_);
    if (needle.found_in(scratch_)) return true;
    if (!address) return false;
    scratch_.clear();
    for (const mime::Address& a : mime::parse_address_list(f.raw_value)) {
        if (a.group_end) continue;
        std::string rendered = a.group_start ? a.mailbox : a.display_name();
        if (!a.group_start) {
            rendered += " <";
            rendered += a.mailbox;
            if (!a.host.empty()) rendered += "@" + mime::domain_to_utf8(a.host);
            rendered += ">";
        }
        fold_append(rendered, scratch_);
        scratch_.push_back('\n');
    }
    return needle.found_in(scratch_);
}

bool MessageText::header_contains(std::string_view name, const Needle& needle) {
    for (const mime::HeaderField& f : fields())
        if (iequals(f.name, name) && field_matches(f, needle, false)) return true;
    return false;
}

bool MessageText::address_contains(std::string_view name, const Needle& needle) {
    for (const mime::HeaderField& f : fields())
        if (iequals(f.name, name) && field_matches(f, needle, true)) return true;
    return false;
}

void MessageText::append_fields_text(const std::vector<mime::HeaderField>& fields,
                                     std::string& out) {
    for (const mime::HeaderField& f : fields) {
        fold_append(f.name, out);
        out += ": ";
        append_folded_value(trim(f.raw_value), out);
        out.push_back('\n');
    }
}

void MessageText::add_segment(const Segment& s) {
    std::string_view msg = msg_->bytes();
    const mime::Part& p = *s.part;
    body_.push_back('\n');
    if (s.header) {
        append_fields_text(p.headers, body_);
        return;
    }
    std::string_view text = p.body_bytes(msg);
    if (p.encoding == mime::Encoding::kBase64 || p.encoding == mime::Encoding::kQuotedPrintable) {
        scratch_.clear();
        mime::decode_transfer(p.encoding, text, scratch_);
        text = scratch_;
    }
    bool html = p.subtype == "html";
    std::string charset = p.param("charset");
    if (html && charset.empty()) charset = mime::html_meta_charset(text);
    if (!utf8_label(charset) || !mime::is_valid_utf8(text)) {
        scratch2_.clear();
        mime::to_utf8(charset.empty() ? "us-ascii" : charset, text, scratch2_);
        text = scratch2_;
    }
    if (html) {
        scratch3_.clear();
        mime::html_to_text(text, scratch3_);
        text = scratch3_;
    }
    fold_append(text, body_);
}

bool MessageText::body_contains(const Needle& needle) {
    if (!have_segments_) {
        have_segments_ = true;
        // Pre-order walk with an explicit stack: attached messages may nest deeply.
        std::vector<const mime::Part*> stack{&msg_->parsed().root};
        while (!stack.empty()) {
            const mime::Part* p = stack.back();
            stack.pop_back();
            if (p->message) {
                segments_.push_back({p->message.get(), true});
                stack.push_back(p->message.get());
            } else if (p->is_multipart()) {
                for (size_t i = p->children.size(); i-- > 0;) stack.push_back(&p->children[i]);
            } else if (p->is_text()) {
                segments_.push_back({p, false});
            }
        }
    }
    if (needle.empty()) return true;
    if (needle.found_in(body_)) return true;
    while (next_segment_ < segments_.size()) {
        size_t from = body_.size();
        add_segment(segments_[next_segment_++]);
        if (needle.found_in(std::string_view(body_).substr(from))) return true;
    }
    return false;
}

bool MessageText::text_contains(const Needle& needle) {
    if (needle.empty()) return true;
    if (!have_header_text_) {
        have_header_text_ = true;
        append_fields_text(fields(), header_text_);
    }
    return needle.found_in(header_text_) || body_contains(needle);
}

}  // namespace magpie::imap
