// Maildir++ delivery of one message copy: Return-Path and Delivered-To lines, then the
// message bytes copied in-kernel from the queue file (with an optional insertion spliced
// in: the spam subject prefix), written to tmp/, fdatasync'd and
// linked into new/ under a name that is fixed per (queue ID, target index), so a copy
// delivered before a crash is found again and never delivered twice.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "mailbox/flags.h"
#include "mime/subject_prefix.h"

namespace magpie::delivery {

struct MaildirMessage {
    std::string_view queue_id;
    size_t target_index = 0;
    int64_t arrival = 0;         // unix seconds, from the envelope
    std::string_view sender;     // envelope sender, empty for <>
    std::string_view recipient;  // for Delivered-To
    int source_fd = -1;          // the queue file
    int64_t offset = 0;          // message bytes within source_fd
    int64_t size = 0;
    const std::vector<std::string>* headers = nullptr;  // extra lines after Delivered-To
    // Bytes spliced into the message copy (offset relative to the message bytes).
    const mime::HeaderInsertion* insertion = nullptr;
};

enum class MaildirResult {
    Delivered,       // a new file is in new/ (durable once new/ is fsync'd)
    AlreadyPresent,  // an earlier attempt delivered it (found in new/ or cur/)
};

// Dovecot's escaping of the host part (one implementation, in the mailbox store).
using mailbox::escape_maildir_host;
// "<arrival>.M<target>Q<queue id>." — the part of the name that identifies the copy.
std::string maildir_unique_prefix(int64_t arrival, size_t target_index, std::string_view queue_id);
// Whether new/ or cur/ of the Maildir holds a file whose name starts with `prefix`.
bool maildir_contains(const std::string& root, std::string_view prefix);
std::string maildir_new_dir(const std::string& root);
// The lines written before the message: Return-Path and Delivered-To.
std::string maildir_header(const MaildirMessage& m);
// Bytes of the delivered file: maildir_header(m), the message and the insertion.
uint64_t maildir_file_size(const MaildirMessage& m);

// For crash recovery of many entries: which copies of a given set of queue IDs already
// are in a Maildir, found with one scan of its new/ and cur/ instead of one per target.
// Thread-safe.
class ExistingCopies {
  public:
    explicit ExistingCopies(std::unordered_set<std::string> queue_ids);
    bool contains(const std::string& root, std::string_view queue_id, std::string_view prefix);

  private:
    std::mutex mu_;
    const std::unordered_set<std::string> ids_;
    std::unordered_map<std::string, std::unordered_set<std::string>> found_;  // by root
};

class MaildirWriter {
  public:
    explicit MaildirWriter(std::string_view hostname);
    // Delivers into the Maildir at `root` (creating root, tmp/, new/, cur/ with mode 0700
    // as needed). The file name is "<prefix><host>,S=<size>". With check_existing (crash
    // recovery, retries) new/ and cur/ are searched for an earlier copy first; an existing
    // name in new/ is never overwritten in any case. The file data is fdatasync'd; the
    // caller must fsync maildir_new_dir(root) before counting the delivery as done (several
    // deliveries may share that fsync). Throws std::system_error (ENOSPC, EDQUOT, EIO, ...).
    // `index`, when given, answers the check for the IDs it covers.
    MaildirResult deliver(const std::string& root, const MaildirMessage& m, bool check_existing,
                          ExistingCopies* index = nullptr);

  private:
    std::string host_;
};

}  // namespace magpie::delivery
