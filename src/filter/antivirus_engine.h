// One compiled libclamav engine: built from a set of database files, then shared read-only
// by every scanning thread until the last holder drops it.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "filter/antivirus_db.h"
#include "filter/antivirus_result.h"

struct cl_engine;

namespace magpie::filter {

class ClamEngine {
  public:
    // Loads and compiles `files`; nullptr with *error set when libclamav refuses one (its
    // index in *bad_file, else files.size()). `tmp_dir`: where scans unpack (empty: $TMPDIR,
    // else /tmp).
    static std::shared_ptr<const ClamEngine> load(const std::vector<DbFile>& files,
                                                  const std::string& tmp_dir, std::string* error,
                                                  size_t* bad_file);
    ~ClamEngine();
    ClamEngine(const ClamEngine&) = delete;
    ClamEngine& operator=(const ClamEngine&) = delete;

    // Scans a whole message (MIME and archives parsed by libclamav). Thread-safe.
    ScanResult scan(std::string_view bytes) const;
    unsigned signatures() const { return signatures_; }

  private:
    ClamEngine() = default;
    cl_engine* engine_ = nullptr;
    unsigned signatures_ = 0;
};

// libclamav's version string, e.g. "1.4.6".
std::string clamav_version();

}  // namespace magpie::filter
