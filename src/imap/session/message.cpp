// Lazy loading of a message file for FETCH and SEARCH.
#include "imap/session/message.h"

#include <system_error>

namespace magpie::imap {

bool MessageData::load() {
    if (tried_) return ok_;
    tried_ = true;
    try {
        file_ = mime::MappedFile(info_->path);
        ok_ = true;
    } catch (const std::system_error&) {
        if (folder_) {
            folder_->sync();
            if (auto fresh = folder_->message(info_->uid)) {
                try {
                    file_ = mime::MappedFile(fresh->path);
                    ok_ = true;
                } catch (const std::system_error&) {
                }
            }
        }
    }
    return ok_;
}

std::string_view MessageData::bytes() {
    if (!load()) return {};
    return file_.data();
}

const mime::Message& MessageData::parsed() {
    if (!parsed_) parsed_.emplace(mime::parse_message(bytes()));
    return *parsed_;
}

void MessageData::release() {
    parsed_.reset();
    file_ = mime::MappedFile();
    tried_ = ok_ = false;
}

}  // namespace magpie::imap
