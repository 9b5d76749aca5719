// Queue file reader for the outbound client and the DKIM signer (see file_body.h).
#include "outbound/file_body.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

namespace magpie::outbound {

namespace {
constexpr int64_t kChunk = 256 * 1024;
}

FileBody::FileBody(const std::string& path, int64_t offset, int64_t size, std::string prefix,
                   const mime::HeaderInsertion* insertion)
    : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)),
      pos_(offset),
      end_(offset + size),
      prefix_(std::move(prefix)) {
    if (insertion && static_cast<int64_t>(insertion->at) <= size && !insertion->text.empty()) {
        insert_at_ = offset + static_cast<int64_t>(insertion->at);
        insert_ = insertion->text;
    }
}

FileBody::~FileBody() {
    if (fd_ >= 0) ::close(fd_);
}

bool FileBody::next(std::string& chunk) {
    if (!prefix_.empty()) {
        chunk = std::move(prefix_);
        prefix_.clear();
        return more();
    }
    if (!insert_.empty() && pos_ == insert_at_) {
        chunk = std::move(insert_);
        insert_.clear();
        return more();
    }
    int64_t stop = !insert_.empty() ? insert_at_ : end_;
    size_t n = static_cast<size_t>(std::min<int64_t>(stop - pos_, kChunk));
    chunk.resize(n);
    ssize_t got = n ? ::pread(fd_, chunk.data(), n, pos_) : 0;
    if (got <= 0) {
        chunk.clear();
        pos_ = end_;
        insert_.clear();
        return false;
    }
    chunk.resize(static_cast<size_t>(got));
    pos_ += got;
    return more();
}

std::string read_range(const std::string& path, int64_t offset, int64_t size,
                       const mime::HeaderInsertion* insertion) {
    std::string out;
    FileBody b(path, offset, size, "", insertion);
    if (!b.ok()) return out;
    std::string chunk;
    bool more = true;
    while (more) {
        more = b.next(chunk);
        out += chunk;
    }
    return out;
}

}  // namespace magpie::outbound
