// Attachment blocking: every leaf part of a message (nested messages included) is typed by
// its content with libmagic — never by file name or declared type — and archives are
// opened to type what they hold. The policy says which classes block the message.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/attachments_types.h"
#include "mime/parser.h"

namespace magpie::store {
struct Settings;
}

namespace magpie::filter {

struct AttachmentPolicy {
    bool block_executables = true;
    bool block_archives = false;
    std::vector<std::string> custom_types;  // lower-case "type/subtype" or "type/*"

    // From filter_block_executables, filter_block_archives, filter_block_types.
    static AttachmentPolicy from_settings(const store::Settings& s);
    bool blocks(AttachmentClass c) const;
};

struct AttachmentLimits {
    size_t max_part_bytes = 64 << 20;       // decoded bytes looked at per part
    int max_archive_depth = 3;              // archives inside archives opened
    uint64_t max_archive_bytes = 64 << 20;  // uncompressed bytes read per message
    size_t max_archive_entries = 2000;      // archive entries read per message
};

struct AttachmentFinding {
    AttachmentClass cls;
    std::string type;      // libmagic's type of the content
    std::string part;      // IMAP part number, "1", "2.1"
    std::string filename;  // as the sender named it (for messages only, never judged)
    std::string inner;     // path inside the archive(s), "a.zip/setup.exe"; empty for the part
};

struct AttachmentReport {
    std::vector<AttachmentFinding> findings;  // every executable, archive and custom type found
    bool incomplete = false;  // an archive bound was hit or an entry was encrypted/damaged
    // The first finding the policy blocks, e.g. "executable application/x-dosexec in
    // attachment 2 (invoice.pdf)".
    std::optional<std::string> block_reason;
};

AttachmentReport inspect_attachments(const mime::Message& msg, const AttachmentPolicy& policy,
                                     const AttachmentLimits& limits = {});

// The reason the message is blocked, or nullopt when the policy lets it through.
std::optional<std::string> blocked_attachment(const mime::Message& msg,
                                              const AttachmentPolicy& policy,
                                              const AttachmentLimits& limits = {});

// "554 5.7.1 Message rejected: <reason>".
std::string attachment_reject_reply(std::string_view reason);

}  // namespace magpie::filter
