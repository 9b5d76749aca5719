// `magpie serve`: runs every configured listener and the delivery agent in the foreground
// until SIGTERM/SIGINT, then stops cleanly.
#pragma once
#include "core/config.h"

namespace magpie::server {

// Returns the process exit code.
int serve(const Config& cfg);

}  // namespace magpie::server
