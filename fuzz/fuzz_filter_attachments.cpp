// libFuzzer target: attachment inspection (libmagic typing, libarchive walk with its
// bounds) over arbitrary bytes sent as one attachment and as a whole message.
#include <cstddef>
#include <cstdint>
#include <string>

#include "filter/attachments.h"
#include "mime/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace magpie;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    filter::AttachmentPolicy policy{true, true, {"image/*"}};
    filter::AttachmentLimits limits;
    limits.max_archive_bytes = 4 << 20;
    limits.max_archive_entries = 200;
    std::string raw =
        "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n";
    raw.append(bytes);
    auto msg = mime::parse_message(raw);
    filter::inspect_attachments(msg, policy, limits);
    auto whole = mime::parse_message(bytes);
    filter::inspect_attachments(whole, policy, limits);
    return 0;
}
