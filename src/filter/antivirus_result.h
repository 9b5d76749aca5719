// The outcome of one antivirus scan, whichever scanner (libclamav in-process or clamd) ran.
#pragma once
#include <string>

namespace magpie::filter {

struct ScanResult {
    enum class Status {
        Clean,
        Infected,   // `detail` is the signature name
        Unscanned,  // antivirus off or no signatures: accept, nothing was checked
        Failed,     // scanner unavailable or error (`detail`): answer 451, try later
    };
    Status status = Status::Unscanned;
    std::string detail;

    bool infected() const { return status == Status::Infected; }
};

}  // namespace magpie::filter
