// Loading the POP3 maildrop snapshot: sizes as sent and Dovecot-style UIDLs.
#include "pop3/proto/maildrop.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>

#include "core/fs.h"
#include "mailbox/flags.h"
#include "pop3/proto/limits.h"
#include "pop3/proto/message_encoder.h"

namespace magpie::pop3 {

std::string uidl_of(uint32_t uid, uint32_t uidvalidity) {
    return fmt::format("{:08X}{:08X}", uid, uidvalidity);
}

std::optional<uint64_t> vsize_from_name(std::string_view filename) {
    std::string_view base = mailbox::base_of(filename);
    auto at = base.find(",W=");
    if (at == std::string_view::npos) return std::nullopt;
    uint64_t v = 0;
    size_t digits = 0;
    for (size_t i = at + 3; i < base.size() && base[i] >= '0' && base[i] <= '9'; ++i, ++digits) {
        v = v * 10 + static_cast<uint64_t>(base[i] - '0');
    }
    if (digits == 0 || digits > 15) return std::nullopt;
    return v;
}

std::optional<uint64_t> SizeCache::get(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = sizes_.find(key);
    if (it == sizes_.end()) return std::nullopt;
    return it->second;
}

void SizeCache::put(const std::string& key, uint64_t size) {
    std::lock_guard lock(mu_);
    if (sizes_.size() >= kSizeCacheEntries) sizes_.clear();
    sizes_[key] = size;
}

std::optional<uint64_t> file_pop3_size(const std::string& path) {
    int fd = fs::open_read(path);
    if (fd < 0) return std::nullopt;
    MessageEncoder enc(-1, false);
    std::string buf(kSendChunk, '\0');
    std::string out;
    uint64_t total = 0;
    for (;;) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            return std::nullopt;
        }
        if (n == 0) break;
        enc.feed(std::string_view(buf.data(), static_cast<size_t>(n)), out);
        total += out.size();
        out.clear();
    }
    ::close(fd);
    enc.finish(out);
    return total + out.size();
}

namespace {

std::string file_name(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Maildrop load_maildrop(mailbox::Folder& folder, SizeCache& cache) {
    folder.sync(false);
    Maildrop drop;
    drop.uidvalidity = folder.uidvalidity();
    bool resynced = false;
    auto snap = folder.snapshot();
    for (const auto& m : snap->messages) {
        std::string name = file_name(m.path);
        std::string key = folder.dir() + "/" + std::string(mailbox::base_of(name));
        std::optional<uint64_t> size = vsize_from_name(name);
        if (!size) size = cache.get(key);
        if (!size) size = file_pop3_size(m.path);
        if (!size) {
            // Renamed (flags changed) or expunged by another process since the sync.
            if (!resynced) folder.sync(false);
            resynced = true;
            auto again = folder.message(m.uid);
            if (again) size = file_pop3_size(again->path);
            if (!size) continue;
        }
        cache.put(key, *size);
        drop.messages.push_back({m.uid, *size});
    }
    return drop;
}

}  // namespace magpie::pop3
