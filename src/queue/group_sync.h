// Group commit of directory fsyncs: when several threads each need a directory's recent
// renames to be durable, one fsync started after all of their renames serves them all.
#pragma once
#include <string>

namespace magpie::queue {

// Returns once an fsync of `dir` that began after this call was made has completed.
// Throws std::system_error when that fsync failed.
void group_fsync_dir(const std::string& dir);

}  // namespace magpie::queue
