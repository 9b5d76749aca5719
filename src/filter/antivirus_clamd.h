// clamd client: sends a message with the INSTREAM command (clamd(8): "zINSTREAM\0", then
// chunks each prefixed by a 4-byte big-endian length, then a zero length) and reads the
// verdict ("stream: OK", "stream: NAME FOUND", "... ERROR").
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "filter/antivirus_result.h"

namespace magpie::filter {

// `endpoint`: a unix socket path ("/run/clamav/clamd.ctl", optionally "unix:" first) or
// "host:port" ("127.0.0.1:3310", "[::1]:3310"). Blocking, bounded by `timeout` per read
// or write.
ScanResult clamd_instream(const std::string& endpoint, std::string_view bytes,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Parses one clamd reply line (without the trailing NUL).
ScanResult parse_clamd_reply(std::string_view reply);

}  // namespace magpie::filter
