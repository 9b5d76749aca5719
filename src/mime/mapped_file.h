// A read-only memory mapping of a stored message, so the parser works on the file's pages
// without reading it into memory (the zero-copy path for 50 MB messages).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace magpie::mime {

class MappedFile {
  public:
    MappedFile() = default;
    // Throws std::system_error when the file cannot be opened or mapped.
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(MappedFile&& o) noexcept;
    MappedFile& operator=(MappedFile&& o) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::string_view data() const { return {static_cast<const char*>(addr_), size_}; }
    size_t size() const { return size_; }

  private:
    void* addr_ = nullptr;
    size_t size_ = 0;
};

}  // namespace magpie::mime
