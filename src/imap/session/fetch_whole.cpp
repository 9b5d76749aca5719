// Whole-message literals read directly into the response (see fetch_whole.h).
#include "imap/session/fetch_whole.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "imap/session/fetch_literal.h"
#include "mime/parser.h"

namespace magpie::imap::detail {

namespace {

constexpr off_t kMaxDirect = 1 << 20;  // larger files are mapped by MessageData

}  // namespace

bool append_whole_file_literal(std::string& out, const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size > kMaxDirect) {
        ::close(fd);
        return false;
    }
    auto size = static_cast<size_t>(st.st_size);
    size_t mark = out.size();
    out += '{';
    append_number(out, size);
    out += "}\r\n";
    size_t at = out.size();
    out.resize(at + size);
    size_t got = 0;
    while (got < size) {
        ssize_t n = ::pread(fd, out.data() + at + got, size - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<size_t>(n);
    }
    ::close(fd);
    if (got < size) {  // shrank or unreadable meanwhile: the usual way decides
        out.resize(mark);
        return false;
    }
    std::string_view data(out.data() + at, size);
    if (mime::count_lines(data).bare_lf > 0) {
        std::string copy(data);
        out.resize(mark);
        append_literal(out, copy, std::nullopt, LiteralKind::Text);
        return true;
    }
    char* p = out.data() + at;
    if (std::memchr(p, 0, size)) std::replace(p, p + size, '\0', '\x80');
    return true;
}

}  // namespace magpie::imap::detail
