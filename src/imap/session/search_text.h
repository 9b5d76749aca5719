// Text matching for SEARCH: folded search strings, and the folded, decoded text of one
// message (header fields, address lists, body text), each built at most once per message
// and kept in buffers that are reused from one message to the next.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "imap/session/message.h"
#include "mime/header.h"

namespace magpie::imap {

// A search string, case-folded once, with a precomputed substring searcher.
class Needle {
  public:
    explicit Needle(std::string_view text);
    Needle(const Needle&) = delete;
    Needle& operator=(const Needle&) = delete;

    bool empty() const { return folded_.empty(); }
    // `hay` must be folded too.
    bool found_in(std::string_view hay) const;

  private:
    std::string folded_;
    std::boyer_moore_horspool_searcher<const char*> searcher_;
};

class MessageText {
  public:
    // Starts on another message; buffers keep their capacity.
    void reset(MessageData* msg);

    // Any `name` field whose decoded value contains the needle. An empty needle matches
    // when the field is present (RFC 9051 §6.4.4 HEADER).
    bool header_contains(std::string_view name, const Needle& needle);
    // Like header_contains for address fields, also matching each address rendered as
    // `display-name <local@domain>` with encoded words and IDN domains decoded.
    bool address_contains(std::string_view name, const Needle& needle);
    // The decoded text of all text/* parts (HTML reduced to text) and the headers of
    // attached messages. Stops decoding at the first part that matches.
    bool body_contains(const Needle& needle);
    // All header fields, decoded, then the body.
    bool text_contains(const Needle& needle);

    const std::vector<mime::HeaderField>& fields();

  private:
    struct Segment {
        const mime::Part* part;
        bool header;  // the header of an attached message, else a text part
    };

    MessageData* msg_ = nullptr;
    bool have_fields_ = false;
    std::vector<mime::HeaderField> fields_;
    bool have_header_text_ = false;
    std::string header_text_;
    bool have_segments_ = false;
    std::vector<Segment> segments_;
    size_t next_segment_ = 0;
    std::string body_;
    std::string scratch_, scratch2_, scratch3_;

    void add_segment(const Segment& s);
    bool field_matches(const mime::HeaderField& f, const Needle& needle, bool address);
    void append_fields_text(const std::vector<mime::HeaderField>& fields, std::string& out);
};

}  // namespace magpie::imap
