// One libmagic handle per thread, loaded with the system database.
#include "filter/attachments_magic.h"

#include <magic.h>

#include <algorithm>
#include <atomic>

#include "core/log.h"
#include "core/strings.h"

namespace magpie::filter {
namespace {

constexpr std::string_view kUnknown = "application/octet-stream";
constexpr std::string_view kCdfSignature = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";

class Handle {
  public:
    Handle() : m_(magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR)) {
        if (m_ && magic_load(m_, nullptr) != 0) {
            report(magic_error(m_));
            magic_close(m_);
            m_ = nullptr;
        } else if (!m_) {
            report("magic_open failed");
        }
    }
    ~Handle() {
        if (m_) magic_close(m_);
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    magic_t get() const { return m_; }

  private:
    magic_t m_;

    static void report(const char* what) {
        static std::atomic<bool> reported{false};
        if (!reported.exchange(true))
            log::info("attachments", "libmagic unavailable ({}): types not detected",
                      what ? what : "unknown error");
    }
};

}  // namespace

// Text (no NUL in the head) gets a short prefix, Compound Files the most.
size_t magic_limit(std::string_view bytes) {
    if (bytes.starts_with(kCdfSignature)) return kMagicCdfBytes;
    if (bytes.substr(0, kMagicTextBytes).find('\0') == std::string_view::npos)
        return kMagicTextBytes;
    return kMagicBytes;
}

std::string magic_type(std::string_view bytes) {
    thread_local Handle handle;
    if (!handle.get() || bytes.empty()) return std::string(kUnknown);
    const char* type =
        magic_buffer(handle.get(), bytes.data(), std::min(bytes.size(), magic_limit(bytes)));
    if (!type || !*type) return std::string(kUnknown);
    return to_lower(type);
}

}  // namespace magpie::filter
