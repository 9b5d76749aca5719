// The walk over a message's leaf parts and the archives inside them. A part is decoded only
// as far as it is looked at: the head libmagic reads, all of it only to open an archive.
#include "filter/attachments.h"

#include "core/strings.h"
#include "filter/attachments_archive.h"
#include "filter/attachments_magic.h"
#include "filter/attachments_sniff.h"
#include "mime/text_extract.h"
#include "mime/transfer_decode.h"
#include "store/settings.h"

namespace magpie::filter {
namespace {

// A file's content: an archive member, already whole, or a part's body with its transfer
// encoding undone on demand (base64 decodes its head first and resumes from there; a part
// without encoding is a view of the message; quoted-printable is decoded at once).
class Content {
  public:
    explicit Content(std::string_view whole) : data_(whole) {}

    // `buf` holds what is decoded; its capacity is reused from part to part.
    Content(std::string_view msg, const mime::Part& p, size_t max_bytes, std::string& buf)
        : max_(max_bytes) {
        std::string_view body = p.body_bytes(msg);
        bool base64 = p.encoding == mime::Encoding::kBase64;
        // Decoding never grows data: a base64 body this small cannot reach the bound, so it
        // may be decoded lazily; a larger one is decoded up to the bound now, as before.
        if (base64 && body.size() / 4 * 3 + 2 < max_bytes) {
            buf.clear();
            buf_ = &buf;
            encoded_ = body;
            return;
        }
        if (base64 || p.encoding == mime::Encoding::kQuotedPrintable) {
            buf = mime::decoded_body(msg, p, max_bytes);
            data_ = buf;
        } else {
            data_ = body.substr(0, max_bytes);  // identity: 7bit, 8bit, binary, unknown
        }
        truncated_ = body.size() > 0 && data_.size() >= max_bytes;
    }

    // At least the first `n` bytes (all of them when the content is shorter).
    std::string_view head(size_t n) {
        if (buf_ && !done_ && buf_->size() < n) {
            used_ += mime::decode_base64(encoded_.substr(used_), *buf_, n - buf_->size());
            if (buf_->size() < n) done_ = true;
        }
        return buf_ ? std::string_view(*buf_) : data_;
    }

    std::string_view all() {
        if (buf_ && !done_) {
            mime::decode_base64(encoded_.substr(used_), *buf_);
            if (buf_->size() > max_) buf_->resize(max_);
            done_ = true;
        }
        return buf_ ? std::string_view(*buf_) : data_;
    }

    // Content past the bound on decoded bytes was left out.
    bool truncated() const { return truncated_; }

  private:
    std::string_view data_;       // whole content, unless decoded lazily
    std::string* buf_ = nullptr;  // set when decoded lazily
    std::string_view encoded_;    // base64 body
    size_t used_ = 0;             // encoded characters decoded so far
    size_t max_ = SIZE_MAX;
    bool done_ = false;
    bool truncated_ = false;
};

class Inspector {
  public:
    Inspector(std::string_view msg, const AttachmentPolicy& policy, const AttachmentLimits& limits,
              AttachmentReport& out)
        : msg_(msg), policy_(policy), limits_(limits), out_(out) {
        budget_.bytes_left = limits.max_archive_bytes;
        budget_.entries_left = limits.max_archive_entries;
    }

    void finish() {
        if (budget_.exhausted || budget_.unreadable) out_.incomplete = true;
    }

    void entity(const mime::Part& m, const std::string& number) {
        if (m.is_multipart())
            part(m, number);
        else
            part(m, number.empty() ? "1" : number + ".1");
    }

  private:
    std::string_view msg_;
    const AttachmentPolicy& policy_;
    const AttachmentLimits& limits_;
    AttachmentReport& out_;
    ArchiveBudget budget_;
    std::string part_number_, filename_;
    std::string buf_;  // a part's decoded content

    void part(const mime::Part& p, const std::string& number) {
        if (p.message) {
            entity(*p.message, number);
            return;
        }
        if (p.is_multipart()) {
            for (size_t i = 0; i < p.children.size(); ++i)
                part(p.children[i],
                     number.empty() ? std::to_string(i + 1) : number + "." + std::to_string(i + 1));
            return;
        }
        part_number_ = number.empty() ? "1" : number;
        filename_ = p.filename();
        Content body(msg_, p, limits_.max_part_bytes, buf_);
        if (body.truncated()) out_.incomplete = true;
        content(body, "", 0);
    }

    void content(Content& c, const std::string& inner, int depth) {
        std::string_view head = c.head(kMagicTextBytes + 1);
        if (head.empty()) return;
        size_t need = magic_limit(head);
        // Plain text without script or archive markers: libmagic could only name a text type,
        // which matters only when custom types are blocked.
        if (need == kMagicTextBytes && policy_.custom_types.empty() &&
            plain_text_without_markers(head))
            return;
        std::string type = magic_type(c.head(need));
        if (is_executable_type(type)) found(AttachmentClass::Executable, type, inner);
        if (is_archive_type(type)) found(AttachmentClass::Archive, type, inner);
        if (matches_type_list(type, policy_.custom_types))
            found(AttachmentClass::Custom, type, inner);
        if (!can_open_archive(type)) return;
        if (depth >= limits_.max_archive_depth) {
            budget_.exhausted = true;
            return;
        }
        read_archive(c.all(), budget_, [&](std::string_view path, std::string_view data) {
            Content member(data);
            content(member, inner.empty() ? std::string(path) : inner + "/" + std::string(path),
                    depth + 1);
        });
    }

    void found(AttachmentClass cls, const std::string& type, const std::string& inner) {
        out_.findings.push_back({cls, type, part_number_, filename_, inner});
        if (out_.block_reason || !policy_.blocks(cls)) return;
        std::string reason =
            std::string(class_name(cls)) + " " + type + " in attachment " + part_number_;
        if (!filename_.empty()) reason += " (" + filename_ + ")";
        if (!inner.empty()) reason += " at " + inner;
        out_.block_reason = std::move(reason);
    }
};

// Keeps a reply on one line and printable.
std::string printable(std::string_view s) {
    std::string out;
    for (unsigned char c : s) out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    return out;
}

}  // namespace

AttachmentPolicy AttachmentPolicy::from_settings(const store::Settings& s) {
    return {s.filter_block_executables, s.filter_block_archives,
            parse_type_list(s.filter_block_types)};
}

bool AttachmentPolicy::blocks(AttachmentClass c) const {
    switch (c) {
        case AttachmentClass::Executable:
            return block_executables;
        case AttachmentClass::Archive:
            return block_archives;
        case AttachmentClass::Custom:
            return !custom_types.empty();
    }
    return false;
}

AttachmentReport inspect_attachments(const mime::Message& msg, const AttachmentPolicy& policy,
                                     const AttachmentLimits& limits) {
    AttachmentReport report;
    Inspector in(msg.data, policy, limits, report);
    in.entity(msg.root, "");
    in.finish();
    return report;
}

std::optional<std::string> blocked_attachment(const mime::Message& msg,
                                              const AttachmentPolicy& policy,
                                              const AttachmentLimits& limits) {
    if (!policy.block_executables && !policy.block_archives && policy.custom_types.empty())
        return std::nullopt;
    return inspect_attachments(msg, policy, limits).block_reason;
}

std::string attachment_reject_reply(std::string_view reason) {
    return "554 5.7.1 Message rejected: " + printable(reason);
}

}  // namespace magpie::filter
