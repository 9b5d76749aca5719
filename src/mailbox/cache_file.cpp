// magpie-cache reader and writer (see cache_file.h).
#include "mailbox/cache_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <system_error>

#include "core/fs.h"

namespace magpie::mailbox {
namespace {

constexpr std::string_view kMagic = "magpie-cache 1\n";
constexpr uint32_t kByteOrder = 0x01020304;
constexpr uint32_t kAbsent = 0xffffffffu;
constexpr size_t kFileHeader = 15 + 4 + 4;
constexpr size_t kRecordHeader = 4 + 4 + 8 + 4 + 4 + 4 + 4 + 8;

template <typename T>
void put(std::string& out, T v) {
    char b[sizeof v];
    std::memcpy(b, &v, sizeof v);
    out.append(b, sizeof v);
}

template <typename T>
T get(const char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// A fast 64-bit checksum (four independent lanes of 8 bytes per step) to catch torn or
// damaged records; not cryptographic, the file is Magpie's own.
uint64_t checksum(const char* p, size_t n, uint64_t h = 0x9e3779b97f4a7c15ull) {
    constexpr uint64_t k = 0xff51afd7ed558ccdull;
    if (n >= 32) {
        uint64_t l[4] = {h, h ^ 0xc4ceb9fe1a85ec53ull, h ^ 0x87c37b91114253d5ull,
                         h ^ 0x4cf5ad432745937full};
        while (n >= 32) {
            for (int i = 0; i < 4; ++i) {
                l[i] = (l[i] ^ get<uint64_t>(p + 8 * i)) * k;
                l[i] ^= l[i] >> 29;
            }
            p += 32;
            n -= 32;
        }
        h = ((l[0] * 31 + l[1]) * 31 + l[2]) * 31 + l[3];
    }
    while (n >= 8) {
        h = (h ^ get<uint64_t>(p)) * k;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    uint64_t tail = 0;
    std::memcpy(&tail, p, n);
    h = (h ^ tail ^ (static_cast<uint64_t>(n) << 56)) * k;
    return h ^ (h >> 29);
}

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

uint64_t cache_name_hash(std::string_view base) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a 64
    for (char c : base) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

void MessageCache::start_data(uint32_t uidvalidity) {
    uidvalidity_ = uidvalidity;
    entries_.clear();
    data_.assign(kMagic);
    put(data_, uidvalidity);
    put(data_, kByteOrder);
}

void MessageCache::reset(uint32_t uidvalidity) {
    start_data(uidvalidity);
    flushed_ = 0;
    rewrite_ = true;
}

void MessageCache::load(uint32_t uidvalidity) {
    std::string file;
    try {
        file = fs::read_file(path_);
    } catch (const std::exception&) {
    }
    if (file.size() < kFileHeader || file.compare(0, kMagic.size(), kMagic) != 0 ||
        get<uint32_t>(file.data() + kMagic.size()) != uidvalidity ||
        get<uint32_t>(file.data() + kMagic.size() + 4) != kByteOrder) {
        reset(uidvalidity);
        return;
    }
    uidvalidity_ = uidvalidity;
    entries_.clear();
    size_t pos = kFileHeader;
    while (pos + kRecordHeader <= file.size()) {
        const char* h = file.data() + pos;
        uint32_t len[3] = {get<uint32_t>(h + 16), get<uint32_t>(h + 20), get<uint32_t>(h + 24)};
        uint64_t payload = 0;
        for (uint32_t l : len) payload += l == kAbsent ? 0 : l;
        if (payload > file.size() - pos - kRecordHeader) break;
        uint64_t sum = checksum(h, kRecordHeader - 8);
        sum = checksum(h + kRecordHeader, payload, sum);
        if (sum != get<uint64_t>(h + kRecordHeader - 8)) break;
        Entry& e = entries_[get<uint32_t>(h)];
        uint64_t hash = get<uint64_t>(h + 8);
        if (e.name_hash != hash) e = Entry{hash, {}, {}, {}};
        auto off = static_cast<uint32_t>(pos + kRecordHeader);
        Span* spans[3] = {&e.envelope, &e.bodystructure, &e.header};
        for (int i = 0; i < 3; ++i) {
            if (len[i] == kAbsent) continue;
            *spans[i] = {off, len[i], true};
            off += len[i];
        }
        pos += kRecordHeader + payload;
    }
    file.resize(pos);  // a torn or damaged tail is cut off at the next flush
    data_ = std::move(file);
    flushed_ = pos;
    rewrite_ = false;
}

const MessageCache::Entry* MessageCache::find(uint32_t uid, uint64_t name_hash) const {
    auto it = entries_.find(uid);
    if (it == entries_.end() || it->second.name_hash != name_hash) return nullptr;
    return &it->second;
}

std::optional<std::pair<std::string, std::string>> MessageCache::structure(
    uint32_t uid, uint64_t name_hash) const {
    const Entry* e = find(uid, name_hash);
    if (!e || !e->envelope.present || !e->bodystructure.present) return std::nullopt;
    return std::make_pair(data_.substr(e->envelope.off, e->envelope.len),
                          data_.substr(e->bodystructure.off, e->bodystructure.len));
}

std::optional<std::string> MessageCache::header(uint32_t uid, uint64_t name_hash) const {
    const Entry* e = find(uid, name_hash);
    if (!e || !e->header.present) return std::nullopt;
    return data_.substr(e->header.off, e->header.len);
}

bool MessageCache::has_header(uint32_t uid, uint64_t name_hash) const {
    const Entry* e = find(uid, name_hash);
    return e && e->header.present;
}

void MessageCache::append_record(uint32_t uid, uint64_t name_hash, const std::string_view* env,
                                 const std::string_view* bs, const std::string_view* hdr) {
    const std::string_view* parts[3] = {env, bs, hdr};
    size_t need = kRecordHeader;
    for (const auto* p : parts) need += p ? p->size() : 0;
    if (data_.size() + need >= kAbsent) return;  // offsets are 32-bit: stop caching
    size_t start = data_.size();
    put(data_, uid);
    put(data_, uint32_t{0});
    put(data_, name_hash);
    for (const auto* p : parts) put(data_, p ? static_cast<uint32_t>(p->size()) : kAbsent);
    put(data_, uint32_t{0});
    put(data_, uint64_t{0});  // checksum, set below
    for (const auto* p : parts) {
        if (p) data_.append(*p);
    }
    uint64_t sum = checksum(data_.data() + start, kRecordHeader - 8);
    sum = checksum(data_.data() + start + kRecordHeader, data_.size() - start - kRecordHeader, sum);
    std::memcpy(data_.data() + start + kRecordHeader - 8, &sum, 8);

    Entry& e = entries_[uid];
    if (e.name_hash != name_hash) e = Entry{name_hash, {}, {}, {}};
    auto off = static_cast<uint32_t>(start + kRecordHeader);
    Span* spans[3] = {&e.envelope, &e.bodystructure, &e.header};
    for (int i = 0; i < 3; ++i) {
        if (!parts[i]) continue;
        *spans[i] = {off, static_cast<uint32_t>(parts[i]->size()), true};
        off += static_cast<uint32_t>(parts[i]->size());
    }
}

void MessageCache::put_structure(uint32_t uid, uint64_t name_hash, std::string_view envelope,
                                 std::string_view bodystructure, const std::string_view* header) {
    if (header && header->size() > kMaxCachedHeader) header = nullptr;
    append_record(uid, name_hash, &envelope, &bodystructure, header);
}

void MessageCache::put_header(uint32_t uid, uint64_t name_hash, std::string_view header) {
    if (header.size() > kMaxCachedHeader) return;
    append_record(uid, name_hash, nullptr, nullptr, &header);
}

void MessageCache::forget(const std::vector<uint32_t>& uids) {
    for (uint32_t uid : uids) entries_.erase(uid);
}

size_t MessageCache::record_size(const Entry& e) {
    size_t n = kRecordHeader;
    for (const Span* s : {&e.envelope, &e.bodystructure, &e.header}) n += s->present ? s->len : 0;
    return n;
}

// Rebuilds data_ from the live entries only; the file is replaced at the flush.
void MessageCache::compact() {
    std::string old = std::move(data_);
    auto entries = std::move(entries_);
    start_data(uidvalidity_);
    data_.reserve(old.size() / 2);
    for (const auto& [uid, e] : entries) {
        std::string_view parts[3];
        const std::string_view* ptr[3] = {nullptr, nullptr, nullptr};
        const Span* spans[3] = {&e.envelope, &e.bodystructure, &e.header};
        for (int i = 0; i < 3; ++i) {
            if (!spans[i]->present) continue;
            parts[i] = std::string_view(old).substr(spans[i]->off, spans[i]->len);
            ptr[i] = &parts[i];
        }
        append_record(uid, e.name_hash, ptr[0], ptr[1], ptr[2]);
    }
    flushed_ = 0;
    rewrite_ = true;
}

void MessageCache::flush() {
    if (data_.size() > kCacheCompactMin) {
        size_t live = kFileHeader;
        for (const auto& [uid, e] : entries_) live += record_size(e);
        if (live * 2 < data_.size()) compact();
    }
    if (!rewrite_ && flushed_ == data_.size()) return;
    if (rewrite_) {
        fs::replace_file(path_, data_);
        rewrite_ = false;
    } else {
        Fd f{::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600)};
        if (f.fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path_);
        // Appends go right after the intact prefix: a torn tail is overwritten.
        auto at = static_cast<off_t>(flushed_);
        if (::ftruncate(f.fd, at) != 0 || ::lseek(f.fd, at, SEEK_SET) < 0) {
            throw std::system_error(errno, std::generic_category(), "truncate " + path_);
        }
        fs::write_all(f.fd, std::string_view(data_).substr(flushed_));
    }
    flushed_ = data_.size();
}

}  // namespace magpie::mailbox
