// Header facts for SORT and THREAD, read from the header block only.
#include "imap/session/sort_keys.h"

#include "core/strings.h"
#include "imap/session/sent_date.h"
#include "mime/limits.h"
#include "mime/rfc2047.h"

namespace magpie::imap {

std::vector<mime::HeaderField> read_header(MessageData& msg) {
    return mime::parse_header(msg.bytes(), 0, mime::Limits{}.max_header_fields).fields;
}

int64_t sent_date(const std::vector<mime::HeaderField>& fields, int64_t internal_date) {
    auto d = header_date(fields);
    return d ? d->utc : internal_date;
}

std::string decoded_field(const std::vector<mime::HeaderField>& fields, std::string_view name) {
    const mime::HeaderField* f = mime::find_field(fields, name);
    if (!f) return {};
    return std::string(trim(mime::decode_rfc2047(f->raw_value)));
}

bool first_address(const std::vector<mime::HeaderField>& fields, std::string_view name,
                   mime::Address& out) {
    const mime::HeaderField* f = mime::find_field(fields, name);
    if (!f) return false;
    for (mime::Address& a : mime::parse_address_list(f->raw_value)) {
        if (a.group_end) continue;
        out = std::move(a);
        return true;
    }
    return false;
}

}  // namespace magpie::imap
