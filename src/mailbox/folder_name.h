// Folder names: modified UTF-7 (RFC 3501 §5.1.3) as Dovecot stores them on disk, and the
// Maildir++ mapping of an IMAP name ("Archive.2024", '.' separated) to its directory
// (".Archive.2024" under the user root; INBOX is the root itself).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace magpie::mailbox {

constexpr char kHierarchySeparator = '.';

// The codec of src/imap/proto/mutf7.h.
std::string mutf7_encode(std::string_view utf8);
// nullopt on malformed input.
std::optional<std::string> mutf7_decode(std::string_view mutf7);

// Whether a UTF-8 folder name is acceptable: not empty, no '/', no control characters,
// no empty hierarchy level, at most 255 bytes per level once encoded.
bool valid_folder_name(std::string_view utf8);
// "INBOX" (any case) -> "INBOX"; other names unchanged.
std::string canonical_folder_name(std::string_view utf8);
bool is_inbox(std::string_view utf8);
// Directory name under the user root: "" for INBOX, else "." + mUTF-7 of the name.
std::string folder_dir_name(std::string_view utf8);
// The reverse; nullopt for entries that are not folders (".", "..", bad encoding).
std::optional<std::string> folder_from_dir_name(std::string_view dir);

}  // namespace magpie::mailbox
