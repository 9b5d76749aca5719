// libFuzzer target: the plain-text shortcut before libmagic never hides a program or an
// archive (when it answers, libmagic's type is in neither class), and the resumable base64
// decoder matches the one-pass decoder at any split.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "filter/attachments_magic.h"
#include "filter/attachments_sniff.h"
#include "filter/attachments_types.h"
#include "mime/transfer_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace magpie;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    if (filter::plain_text_without_markers(bytes)) {
        std::string type = filter::magic_type(bytes);
        if (filter::is_executable_type(type) || filter::is_archive_type(type)) std::abort();
    }
    std::string whole, head;
    mime::decode_base64(bytes, whole);
    size_t limit = size ? data[0] : 0;
    size_t used = mime::decode_base64(bytes, head, limit);
    if (head.size() > limit + 2 || whole.compare(0, head.size(), head) != 0) std::abort();
    mime::decode_base64(bytes.substr(used), head);
    if (head != whole) std::abort();
    return 0;
}
