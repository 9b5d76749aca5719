// Fault injection for tests, compiled only into debug builds (without NDEBUG): the
// environment variable MAGPIE_FAULT_DROP_HANDOFF names hand-off points ("local": SMTP to
// the delivery agent, "remote": delivery agent to the outbound manager), comma-separated,
// and the first hand-off at each named point is dropped, as a lost wake-up would. Release
// builds ignore the variable: drop_handoff() is always false there.
#pragma once
#include <string_view>

namespace magpie::fault {

bool drop_handoff(std::string_view point);

}  // namespace magpie::fault
