// Folder name <-> directory mapping (see folder_name.h).
#include "mailbox/folder_name.h"

#include <strings.h>

#include <cstdint>
#include <vector>

#include "imap/proto/mutf7.h"

namespace magpie::mailbox {

// One modified UTF-7 codec for the protocol and the storage (Dovecot stores folder names
// on disk in the same encoding IMAP uses on the wire).
std::string mutf7_encode(std::string_view utf8) { return imap::encode_mutf7(utf8); }

std::optional<std::string> mutf7_decode(std::string_view mutf7) { return imap::decode_mutf7(mutf7); }

bool is_inbox(std::string_view utf8) {
    return utf8.size() == 5 && ::strncasecmp(utf8.data(), "INBOX", 5) == 0;
}

std::string canonical_folder_name(std::string_view utf8) {
    return is_inbox(utf8) ? std::string("INBOX") : std::string(utf8);
}

bool valid_folder_name(std::string_view utf8) {
    if (utf8.empty() || utf8.size() > 1024) return false;
    size_t start = 0;
    for (size_t i = 0; i <= utf8.size(); ++i) {
        if (i == utf8.size() || utf8[i] == kHierarchySeparator) {
            if (i == start) return false;
            std::string_view level = utf8.substr(start, i - start);
            if (mutf7_encode(level).size() > 200) return false;
            start = i + 1;
            continue;
        }
        auto c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x20 || c == 0x7F || c == '/' || c == '\\' || c == '*' || c == '%') return false;
    }
    return true;
}

std::string folder_dir_name(std::string_view utf8) {
    if (is_inbox(utf8)) return "";
    return "." + mutf7_encode(utf8);
}

std::optional<std::string> folder_from_dir_name(std::string_view dir) {
    if (dir.size() < 2 || dir[0] != '.' || dir[1] == '.') return std::nullopt;
    auto name = mutf7_decode(dir.substr(1));
    if (!name || !valid_folder_name(*name) || is_inbox(*name)) return std::nullopt;
    return name;
}

}  // namespace magpie::mailbox
