// Where libclamav unpacks during scans by default. It makes a folder per scan (and files for
// the attachments it extracts) under its temporary folder; on a busy disk that mkdir/rmdir
// costs more than the scan, so a private folder on tmpfs is preferred.
#pragma once
#include <string>
#include <vector>

namespace magpie::filter {

// The folder for AntivirusOptions::tmp_dir: "" when $TMPDIR is set (libclamav then uses it:
// the administrator chose), else a private folder "magpie-UID" (mode 0700, ours, not a
// symlink) under /dev/shm or /tmp, the first that is a writable tmpfs, else
// DATA_DIR/tmp/clamav. Created when missing.
std::string default_scan_tmp_dir(const std::string& data_dir);

// The choice itself, over given tmpfs candidates and fallback (for tests). "" when nothing
// could be created.
std::string choose_scan_tmp_dir(const std::vector<std::string>& tmpfs_bases,
                                const std::string& fallback);

}  // namespace magpie::filter
