// The walk over a message's leaf parts and the archives inside them.
#include "filter/attachments.h"

#include "core/strings.h"
#include "filter/attachments_archive.h"
#include "filter/attachments_magic.h"
#include "mime/text_extract.h"
#include "store/settings.h"

namespace magpie::filter {
namespace {

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
        auto body = mime::decoded_body(msg_, p, limits_.max_part_bytes);
        if (p.body_size() > 0 && body.size() >= limits_.max_part_bytes) out_.incomplete = true;
        content(body, "", 0);
    }

    void content(std::string_view bytes, const std::string& inner, int depth) {
        if (bytes.empty()) return;
        std::string type = magic_type(bytes);
        if (is_executable_type(type)) found(AttachmentClass::Executable, type, inner);
        if (is_archive_type(type)) found(AttachmentClass::Archive, type, inner);
        if (matches_type_list(type, policy_.custom_types))
            found(AttachmentClass::Custom, type, inner);
        if (!can_open_archive(type)) return;
        if (depth >= limits_.max_archive_depth) {
            budget_.exhausted = true;
            return;
        }
        read_archive(bytes, budget_, [&](std::string_view path, std::string_view data) {
            content(data, inner.empty() ? std::string(path) : inner + "/" + std::string(path),
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
