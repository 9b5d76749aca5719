// libFuzzer target: arbitrary client bytes through the IMAP command reader and parser,
// answering every synchronizing literal (accept or refuse), plus the name and date codecs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "imap/proto/command.h"
#include "imap/proto/datetime.h"
#include "imap/proto/mutf7.h"
#include "imap/proto/reader.h"
#include "imap/proto/response.h"

using namespace magpie::imap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint8_t mode = data[0];
    std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);

    ReaderLimits limits;
    limits.max_line = 256;
    limits.max_command = 2048;
    limits.max_literal = 1024;
    limits.max_nonsync_literal = (mode & 1) ? 64 : 1024;
    limits.max_depth = 8;
    CommandReader reader(limits);
    ParseOptions options;
    options.utf8 = (mode & 2) != 0;

    // Feed in chunks whose size the mode picks, to exercise split boundaries.
    const size_t chunk = 1 + (mode >> 3);
    size_t offered = 0;
    int steps = 0;
    std::string pending;
    while (offered < in.size() || !pending.empty()) {
        if (++steps > 100000) break;
        if (pending.empty()) {
            size_t n = std::min(chunk, in.size() - offered);
            pending.assign(in.substr(offered, n));
            offered += n;
        }
        ReadResult r = reader.feed(pending);
        pending.erase(0, r.used);
        switch (r.status) {
            case ReadStatus::NeedMore:
                break;
            case ReadStatus::Continuation:
                if ((mode & 4) && reader.literal_size() > 100)
                    reader.reject_literal();
                else
                    reader.accept_literal();
                break;
            case ReadStatus::Error:
                (void)reader.error().response();
                break;
            case ReadStatus::Command: {
                std::string_view raw = reader.command();
                if (raw.size() < 2 || raw.back() != '\n') abort();  // always whole lines
                ParseResult p = parse_command(raw, options);
                if (!p.command && p.error.empty()) abort();
                (void)p.bad_response();
                if (p.command && p.command->kind == CommandKind::Create) {
                    // Round-trip: a parsed name encodes back and decodes to itself.
                    const auto& name = p.command->as<CreateArgs>().mailbox.name;
                    if (!options.utf8) {
                        auto back = decode_mutf7(encode_mutf7(name));
                        if (!back || *back != name) abort();
                    }
                    std::string out;
                    append_mailbox(out, name, options.utf8);
                }
                break;
            }
        }
    }
    // The codecs on the raw bytes too.
    if (auto d = decode_mutf7(in)) {
        auto again = decode_mutf7(encode_mutf7(*d));
        if (!again || *again != *d) abort();
    }
    if (auto dt = parse_datetime(in)) (void)format_datetime(dt->utc, dt->tz_minutes);
    (void)parse_date(in);
    return 0;
}
