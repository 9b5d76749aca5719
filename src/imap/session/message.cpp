// Lazy loading of a message file for FETCH and SEARCH.
#include "imap/session/message.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "core/fs.h"

namespace magpie::imap {

namespace {

struct Fd {
    int fd;
    ~Fd() { ::close(fd); }
};

}  // namespace

void MessageData::open_file(const std::string& path) {
    Fd f{fs::open_read(path)};
    if (f.fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path);
    struct stat st {};
    if (::fstat(f.fd, &st) != 0)
        throw std::system_error(errno, std::generic_category(), "fstat " + path);
    auto size = static_cast<size_t>(st.st_size);
    if (size > kReadLimit) {
        file_ = mime::MappedFile(path);
        data_ = file_.data();
        return;
    }
    read_ = std::make_unique_for_overwrite<char[]>(size);
    ssize_t got = fs::read_at(f.fd, read_.get(), size, 0);
    if (got < 0) throw std::system_error(errno, std::generic_category(), "read " + path);
    data_ = std::string_view(read_.get(), static_cast<size_t>(got));
}

bool MessageData::load() {
    if (tried_) return ok_;
    tried_ = true;
    try {
        open_file(info_->path);
        ok_ = true;
    } catch (const std::system_error&) {
        if (folder_) {
            folder_->sync();
            if (auto fresh = folder_->message(info_->uid)) {
                try {
                    open_file(fresh->path);
                    ok_ = true;
                } catch (const std::system_error&) {
                }
            }
        }
    }
    return ok_;
}

std::string_view MessageData::bytes() {
    if (!load()) return {};
    return data_;
}

const mime::Message& MessageData::parsed() {
    if (!parsed_) parsed_.emplace(mime::parse_message(bytes()));
    return *parsed_;
}

void MessageData::use_bytes(std::string data) {
    release();
    owned_ = std::move(data);
    data_ = owned_;
    tried_ = ok_ = true;
}

void MessageData::release() {
    parsed_.reset();
    data_ = {};
    read_.reset();
    owned_.clear();
    file_ = mime::MappedFile();
    tried_ = ok_ = false;
}

}  // namespace magpie::imap
