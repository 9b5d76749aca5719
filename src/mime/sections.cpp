// RFC 9051 §6.4.5 section-spec resolution over the part tree. Part numbering follows
// RFC 9051 §6.4.5: a non-multipart message has one part, "1", which is its body; the
// parts of a message/rfc822 part are numbered within the message it carries.
#include "mime/sections.h"

#include "core/strings.h"

namespace magpie::mime {

namespace {

// Parses an nz-number (RFC 9051 §9) at the start of `s`; 0 when there is none.
size_t take_number(std::string_view& s) {
    if (s.empty() || s[0] < '1' || s[0] > '9') return 0;
    size_t n = 0, i = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (n > 1000000) return 0;
        n = n * 10 + size_t(s[i] - '0');
        ++i;
    }
    s.remove_prefix(i);
    return n;
}

// Child `n` (1-based) of the message whose top entity is `m`.
const Part* message_child(const Part& m, size_t n) {
    if (m.is_multipart()) return n <= m.children.size() ? &m.children[n - 1] : nullptr;
    return n == 1 ? &m : nullptr;
}

// Walks "1.2.3" from the front of `spec`; leaves the rest (".MIME", ...) in `spec`.
// As in Dovecot, part 1 of a leaf body part (one inside a multipart) is that part again,
// once: "2.1" is "2" but "2.1.1" and, for a single-part message, "1.1" do not exist.
const Part* walk(const Message& msg, std::string_view& spec) {
    const Part* part = nullptr;
    bool body_part = false;  // `part` is a child of a multipart
    for (;;) {
        std::string_view save = spec;
        size_t n = take_number(spec);
        if (n == 0) {
            spec = save;
            return part;
        }
        const Part* m = !part ? &msg.root : part->message.get();
        if (m) {
            part = message_child(*m, n);
            body_part = m->is_multipart();
        } else if (part->is_multipart()) {
            part = n <= part->children.size() ? &part->children[n - 1] : nullptr;
            body_part = true;
        } else if (n != 1 || !body_part) {
            part = nullptr;
        } else {
            body_part = false;  // once only: "1.1.1" does not exist
        }
        if (!part) return nullptr;
        if (spec.empty() || spec[0] != '.') return part;
        if (spec.size() > 1 && spec[1] >= '0' && spec[1] <= '9') {
            spec.remove_prefix(1);
        } else {
            return part;  // ".MIME" etc. follows
        }
    }
}

}  // namespace

const Part* find_part(const Message& msg, std::string_view numbers) {
    if (numbers.empty()) return &msg.root;
    std::string_view rest = numbers;
    const Part* p = walk(msg, rest);
    return rest.empty() ? p : nullptr;
}

std::optional<ByteRange> find_section(const Message& msg, std::string_view spec) {
    spec = trim(spec);
    if (spec.empty()) return ByteRange{0, msg.data.size()};
    const Part* part = nullptr;
    if (spec[0] >= '0' && spec[0] <= '9') {
        part = walk(msg, spec);
        if (!part) return std::nullopt;
        if (spec.empty()) return ByteRange{part->header_end, part->body_end};
        spec.remove_prefix(1);  // the '.'
        if (iequals(spec, "MIME")) return ByteRange{part->header_start, part->header_end};
        // HEADER and TEXT of a part apply to a message/rfc822 part only.
        if (!part->message) return std::nullopt;
        part = part->message.get();
    } else {
        part = &msg.root;
    }
    if (iequals(spec, "TEXT")) return ByteRange{part->header_end, part->body_end};
    if (iequals(spec, "HEADER") || istarts_with(spec, "HEADER.FIELDS"))
        return ByteRange{part->header_start, part->header_end};
    return std::nullopt;
}

}  // namespace magpie::mime
