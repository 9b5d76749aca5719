// Whole-message literals read directly into the response (see fetch_whole.h).
#include "imap/session/fetch_whole.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "core/fs.h"
#include "imap/session/fetch_literal.h"
#include "imap/session/message.h"
#include "mime/line_stats.h"

namespace magpie::imap::detail {

bool append_whole_file_literal(std::string& out, const std::string& path) {
    int fd = fs::open_read(path);
    if (fd < 0) return false;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || static_cast<size_t>(st.st_size) > MessageData::kReadLimit) {
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
    ssize_t got = fs::read_at(fd, out.data() + at, size, 0);
    ::close(fd);
    // Shrank or unreadable meanwhile: the usual way decides.
    if (got != static_cast<ssize_t>(size)) {
        out.resize(mark);
        return false;
    }
    std::string_view data(out.data() + at, size);
    mime::LineFlaws flaws = mime::find_line_flaws(data);
    if (flaws.bare_lf) {
        std::string copy(data);
        out.resize(mark);
        append_literal(out, copy, std::nullopt, LiteralKind::Text);
        return true;
    }
    char* p = out.data() + at;
    if (flaws.nul) std::replace(p, p + size, '\0', '\x80');
    return true;
}

}  // namespace magpie::imap::detail
