// Fuzzes the queue file reader: the envelope codec directly, and whole files through
// read_entry (trailer, offsets, hash, .done parsing). Must never crash or hang.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "queue/envelope_codec.h"
#include "queue/queue_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    if (auto env = magpie::queue::parse_envelope(in)) {
        // What parses must survive a format/parse round trip unchanged.
        auto again = magpie::queue::parse_envelope(magpie::queue::format_envelope(*env));
        if (!again || again->sender != env->sender || again->targets.size() != env->targets.size())
            __builtin_trap();
    }
    (void)magpie::queue::xtext_decode(in);

    static const std::string path = "/tmp/magpie-fuzz-queue-" + std::to_string(getpid());
    size_t split = size > 0 ? data[0] % (size + 1) : 0;  // the tail becomes the .done file
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return 0;
    bool ok = ::write(fd, data, split) == static_cast<ssize_t>(split);
    ::close(fd);
    fd = ::open((path + ".done").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        ok = ::write(fd, data + split, size - split) == static_cast<ssize_t>(size - split) && ok;
        ::close(fd);
    }
    if (ok) (void)magpie::queue::read_entry(path);
    return 0;
}
