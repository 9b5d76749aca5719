// Debug-build fault injection: drops the first hand-off at each point named in
// MAGPIE_FAULT_DROP_HANDOFF.
#include "core/fault.h"

#include <cstdlib>
#include <mutex>
#include <set>
#include <string>

namespace magpie::fault {

#ifdef NDEBUG
bool drop_handoff(std::string_view) {
    return false;
}
#else
bool drop_handoff(std::string_view point) {
    static std::mutex mu;
    static std::set<std::string, std::less<> > dropped;
    const char* env = std::getenv("MAGPIE_FAULT_DROP_HANDOFF");
    if (!env) return false;
    std::string_view names = env;
    bool named = false;
    while (!names.empty()) {
        auto comma = names.find(',');
        if (names.substr(0, comma) == point) named = true;
        if (comma == std::string_view::npos) break;
        names.remove_prefix(comma + 1);
    }
    if (!named) return false;
    std::lock_guard lock(mu);
    return dropped.emplace(point).second;
}
#endif

}  // namespace magpie::fault
