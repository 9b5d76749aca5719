// RFC822.SIZE and EMAILID from the index record and the file name.
#include "imap/session/index_items.h"

#include <string_view>

#include "mailbox/flags.h"

namespace magpie::imap {

namespace {

std::string_view base_name(std::string_view path) {
    size_t slash = path.rfind('/');
    if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
    return mailbox::base_of(path);
}

}  // namespace

uint64_t imap_size(const mailbox::MessageInfo& info) {
    std::string_view base = base_name(info.path);
    size_t pos = base.find(",W=");
    if (pos == std::string_view::npos) return info.size;
    uint64_t v = 0;
    size_t i = pos + 3, start = i;
    for (; i < base.size() && base[i] >= '0' && base[i] <= '9' && i - start < 19; ++i)
        v = v * 10 + uint64_t(base[i] - '0');
    return i > start ? v : info.size;
}

void append_email_id(std::string& out, const mailbox::MessageInfo& info) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : base_name(info.path)) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    char buf[17];
    buf[0] = 'M';
    for (int i = 0; i < 16; ++i) buf[1 + i] = kHex[(h >> (60 - 4 * i)) & 0xf];
    out.append(buf, sizeof buf);
}

}  // namespace magpie::imap
