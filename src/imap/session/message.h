// One message of the selected mailbox as FETCH, SEARCH, SORT and THREAD see it: the index
// data, plus the file, mapped and parsed only when an item needs it.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mailbox/folder.h"
#include "mime/mapped_file.h"
#include "mime/parser.h"

namespace magpie::imap {

class MessageData {
  public:
    static constexpr size_t kReadLimit = 1 << 20;  // larger files are mapped, not read

    // `folder` finds the file again when another process renamed it (a flag change).
    MessageData(const mailbox::MessageInfo& info, mailbox::Folder* folder)
        : info_(&info), folder_(folder) {}

    const mailbox::MessageInfo& info() const { return *info_; }
    mailbox::Folder* folder() const { return folder_; }

    // The message bytes; false when the file is gone (expunged by another process).
    bool load();
    std::string_view bytes();       // load() first; empty when gone
    const mime::Message& parsed();  // parsed on first use; an empty message when gone

    // Uses `data` (a cached header block) as the message's bytes instead of its file.
    void use_bytes(std::string data);

    // Drops the mapping and the parse tree (SEARCH over many messages keeps memory flat).
    void release();

  private:
    // Reads a small file into memory (cheaper than mapping and unmapping it: about half
    // the time over 10,000 messages) and maps a large one. Throws std::system_error.
    void open_file(const std::string& path);

    const mailbox::MessageInfo* info_;
    mailbox::Folder* folder_;
    bool tried_ = false;
    bool ok_ = false;
    std::string_view data_;
    std::unique_ptr<char[]> read_;
    std::string owned_;
    mime::MappedFile file_;
    std::optional<mime::Message> parsed_;
};

}  // namespace magpie::imap
