// What FETCH items read of one message: its bytes, its top-level header and its MIME tree.
// When no item needs the tree, the top-level header is parsed alone (HEADER.FIELDS and
// ENVELOPE over thousands of messages skip the body).
#pragma once
#include <optional>
#include <string_view>
#include <vector>

#include "imap/session/message.h"
#include "mime/header.h"
#include "mime/limits.h"

namespace magpie::imap::detail {

class FetchSource {
  public:
    FetchSource(MessageData& msg, bool use_tree) : msg_(msg), use_tree_(use_tree) {}

    bool load() { return msg_.load(); }
    std::string_view bytes() { return msg_.bytes(); }
    const mime::Message& tree() { return msg_.parsed(); }

    const std::vector<mime::HeaderField>& root_fields() {
        if (use_tree_) return tree().root.headers;
        return header().fields;
    }
    // End of the top-level header, blank line included (= start of the body).
    size_t root_header_end() {
        if (use_tree_) return tree().root.header_end;
        return header().end;
    }

  private:
    const mime::HeaderBlock& header() {
        if (!header_) header_ = mime::parse_header(bytes(), 0, mime::Limits{}.max_header_fields);
        return *header_;
    }

    MessageData& msg_;
    bool use_tree_;
    std::optional<mime::HeaderBlock> header_;
};

}  // namespace magpie::imap::detail
