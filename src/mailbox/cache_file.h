// "magpie-cache": per-folder cache of what Magpie computes from message files, which never
// change once written: the IMAP ENVELOPE and BODYSTRUCTURE strings and the raw top-level
// header block (BODY[HEADER.FIELDS ...], RFC822.HEADER). Kept apart from magpie-index so
// that flag changes, which rewrite the index, never rewrite megabytes of cached strings.
//
// The file is append-only; a record is never changed in place. Binary, native byte order
// (the header holds a byte-order mark; a file from another machine is discarded):
//   "magpie-cache 1\n"  u32 uidvalidity  u32 0x01020304
//   records: u32 uid  u32 flags(0)  u64 hash of the file's base name
//            u32 envelope length  u32 bodystructure length  u32 header length
//            (kAbsent when the part is not in this record)  u32 0
//            u64 checksum of the record (these fields and the payload)
//            payload: envelope, bodystructure, header bytes
// A later record for a UID overrides the parts it holds. Reading stops at the first record
// that is short or fails its checksum (a torn append after a crash); the next append
// truncates the file there. A record is only used while its UID still names a file with the
// same base name. When more than half the file is dead (expunged UIDs, overridden parts)
// and it is larger than kCacheCompactMin, it is rewritten with the live records only.
// Nothing here is fsync'd: a lost or damaged cache is recomputed from the messages.
//
// Limits: a header block longer than kMaxCachedHeader is not cached (such messages are
// read from their file).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace magpie::mailbox {

constexpr size_t kMaxCachedHeader = 64 * 1024;
constexpr size_t kCacheCompactMin = 4 * 1024 * 1024;

// Identity of a message file across flag changes: a hash of its base name (before ':').
uint64_t cache_name_hash(std::string_view base);

class MessageCache {
  public:
    explicit MessageCache(std::string path) : path_(std::move(path)) {}

    // Reads the file; it is discarded unless written for `uidvalidity`.
    void load(uint32_t uidvalidity);
    // Drops every entry (UIDVALIDITY changed); the file is rewritten at the next flush.
    void reset(uint32_t uidvalidity);

    std::optional<std::pair<std::string, std::string>> structure(uint32_t uid,
                                                                 uint64_t name_hash) const;
    std::optional<std::string> header(uint32_t uid, uint64_t name_hash) const;
    bool has_header(uint32_t uid, uint64_t name_hash) const;

    // With a header block too when `header` is given (and not too long).
    void put_structure(uint32_t uid, uint64_t name_hash, std::string_view envelope,
                       std::string_view bodystructure, const std::string_view* header = nullptr);
    // Ignored when longer than kMaxCachedHeader.
    void put_header(uint32_t uid, uint64_t name_hash, std::string_view header);
    // Expunged UIDs: their records become dead.
    void forget(const std::vector<uint32_t>& uids);

    // Appends what is not in the file yet (compacting it first when mostly dead).
    void flush();
    size_t unflushed_bytes() const { return data_.size() - flushed_; }
    // Room for `bytes` more without reallocating (a FETCH over a whole folder fills it).
    void reserve(size_t bytes) { data_.reserve(data_.size() + bytes); }
    size_t size() const { return data_.size(); }

  private:
    struct Span {
        uint32_t off = 0, len = 0;
        bool present = false;
    };
    struct Entry {
        uint64_t name_hash = 0;
        Span envelope, bodystructure, header;
    };
    const Entry* find(uint32_t uid, uint64_t name_hash) const;
    void append_record(uint32_t uid, uint64_t name_hash, const std::string_view* env,
                       const std::string_view* bs, const std::string_view* hdr);
    void start_data(uint32_t uidvalidity);
    void compact();
    static size_t record_size(const Entry& e);

    std::string path_;
    uint32_t uidvalidity_ = 0;
    std::string data_;      // the file's intact bytes, plus records not yet appended to it
    size_t flushed_ = 0;    // data_[0, flushed_) is in the file (anything after is cut off)
    bool rewrite_ = false;  // the file must be replaced, not appended to
    std::unordered_map<uint32_t, Entry> entries_;
};

}  // namespace magpie::mailbox
