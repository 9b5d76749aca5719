// Reading a queued message for sending or signing: the message bytes of a queue file in
// pieces of at most 256 KiB, with an optional header (DKIM-Signature) in front and an
// optional insertion (the spam subject prefix) spliced in, never the whole message at once.
#pragma once
#include <cstdint>
#include <string>

#include "mime/subject_prefix.h"

namespace magpie::outbound {

class FileBody {
  public:
    // `size` message bytes at `offset` of the file at `path`; `insertion` (may be null) is
    // relative to the message bytes and must outlive this object.
    FileBody(const std::string& path, int64_t offset, int64_t size, std::string prefix,
             const mime::HeaderInsertion* insertion = nullptr);
    ~FileBody();
    FileBody(const FileBody&) = delete;
    FileBody& operator=(const FileBody&) = delete;
    bool ok() const { return fd_ >= 0; }
    // The next piece into `chunk`; returns whether more follow.
    bool next(std::string& chunk);

  private:
    bool more() const { return pos_ < end_ || !insert_.empty(); }

    int fd_;
    int64_t pos_, end_;
    std::string prefix_;
    int64_t insert_at_ = -1;  // file offset where insert_ goes
    std::string insert_;
};

// The bytes `offset`..`offset + size` of a file, with `insertion` spliced in ("" when
// the file cannot be opened).
std::string read_range(const std::string& path, int64_t offset, int64_t size,
                       const mime::HeaderInsertion* insertion = nullptr);

}  // namespace magpie::outbound
