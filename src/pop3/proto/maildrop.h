// The maildrop of a POP3 session (RFC 1939 §4): a snapshot of the user's INBOX taken at
// login, with each message's size as POP3 sends it and its UIDL. Loading reads the disk
// (the server runs it on the blocking pool); nothing here talks to a client.
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mailbox/folder.h"

namespace magpie::pop3 {

struct MaildropMessage {
    uint32_t uid = 0;
    uint64_t size = 0;  // octets with CRLF line ends, before byte-stuffing
};

struct Maildrop {
    uint32_t uidvalidity = 0;
    std::vector<MaildropMessage> messages;  // ascending UID; message n is messages[n - 1]
};

// RFC 1939 §7 unique-id: Dovecot's default pop3_uidl_format "%08Xu%08Xv" (UID, then
// UIDVALIDITY, 8 upper-case hex digits each), so UIDLs survive restarts and a move from
// Dovecot.
std::string uidl_of(uint32_t uid, uint32_t uidvalidity);

// The ",W=<n>" field of a Maildir file name: Dovecot's virtual size, which is the size
// with CRLF line ends.
std::optional<uint64_t> vsize_from_name(std::string_view filename);

// POP3 sizes already computed, by folder directory and file base name (Maildir file
// contents never change). Thread-safe; bounded by kSizeCacheEntries.
class SizeCache {
  public:
    std::optional<uint64_t> get(const std::string& key);
    void put(const std::string& key, uint64_t size);

  private:
    std::mutex mu_;
    std::unordered_map<std::string, uint64_t> sizes_;
};

// Syncs the folder without moving new/ to cur/ (POP3 does not make mail old) and lists
// its messages. A message whose file vanishes meanwhile is left out. Throws on I/O errors
// of the folder itself.
Maildrop load_maildrop(mailbox::Folder& folder, SizeCache& cache);

// The POP3 size of a message file, read in chunks; nullopt when it cannot be opened.
std::optional<uint64_t> file_pop3_size(const std::string& path);

}  // namespace magpie::pop3
