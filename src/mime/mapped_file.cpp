// mmap(2) wrapper: MAP_PRIVATE, PROT_READ; an empty file maps to an empty view.
#include "mime/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "core/fs.h"

namespace magpie::mime {

MappedFile::MappedFile(const std::string& path) {
    int fd = fs::open_read(path);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
        int e = errno;
        ::close(fd);
        throw std::system_error(e, std::generic_category(), "fstat " + path);
    }
    size_ = size_t(st.st_size);
    if (size_ > 0) {
        void* a = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (a == MAP_FAILED) {
            int e = errno;
            ::close(fd);
            size_ = 0;
            throw std::system_error(e, std::generic_category(), "mmap " + path);
        }
        addr_ = a;
        ::madvise(addr_, size_, MADV_SEQUENTIAL);  // the parser reads front to back
    }
    ::close(fd);
}

MappedFile::~MappedFile() {
    if (addr_) ::munmap(addr_, size_);
}

MappedFile::MappedFile(MappedFile&& o) noexcept
    : addr_(std::exchange(o.addr_, nullptr)), size_(std::exchange(o.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
    if (this != &o) {
        if (addr_) ::munmap(addr_, size_);
        addr_ = std::exchange(o.addr_, nullptr);
        size_ = std::exchange(o.size_, 0);
    }
    return *this;
}

}  // namespace magpie::mime
