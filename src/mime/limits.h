// MIME parser limits: every bound the parser enforces, named in one place.
#pragma once
#include <cstddef>

namespace magpie::mime {

struct Limits {
    // Nesting of multipart and message/rfc822 parts together; deeper parts become leaves.
    int max_depth = 100;
    // Nesting of message/rfc822 parts alone (each one also parses a header block).
    int max_message_depth = 20;
    // Total parts in one message; later boundaries are treated as body text.
    size_t max_parts = 10000;
    // Header fields kept per part; the rest are skipped (still part of the header bytes).
    size_t max_header_fields = 5000;
    // Boundary bytes compared (RFC 2046 §5.1.1 allows 70); longer boundaries are cut to
    // this length, as Dovecot does, so they still work.
    size_t max_boundary_len = 80;
};

}  // namespace magpie::mime
