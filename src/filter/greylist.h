// Greylisting (as Postgrey does it): the first attempt of a (client network, sender,
// recipient) triplet is deferred; a retry after `delay` passes, and the triplet is then
// known until it has not been seen for `expire`. Networks are /24 (IPv4) or /64 (IPv6),
// so a sender's pool of outgoing servers counts as one. Kept in memory and saved to a file
// so a restart does not defer everyone again.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace magpie::filter {

class Greylist {
  public:
    // `path`: where the table is saved ("" keeps it in memory only). At most `max_entries`
    // triplets are kept: when full, unpassed ones are dropped first, and if the table is
    // still full a new triplet passes unrecorded (fail open, memory stays bounded).
    explicit Greylist(std::string path = "", size_t max_entries = kDefaultMaxEntries);
    static constexpr size_t kDefaultMaxEntries = 1000000;

    // True when a message for this triplet may pass now; false defers it. Records the try.
    bool check(std::string_view client_ip, std::string_view sender, std::string_view recipient,
               int64_t now, int64_t delay, int64_t expire);
    // Drops triplets unseen for `expire` (and unpassed ones older than a day), then writes
    // the table when it changed (called from a timer, and at shutdown).
    void save(int64_t now, int64_t expire);
    size_t size() const;

  private:
    struct Entry {
        int64_t first = 0;      // first attempt
        int64_t last = 0;       // last attempt or pass
        bool passed = false;
    };
    void load();

    std::string path_;
    size_t max_entries_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, Entry> table_;
    bool dirty_ = false;
};

// "192.0.2.0/24" or "2001:db8:1:2::/64" for an address; the text itself when unparseable.
std::string greylist_network(std::string_view ip);

}  // namespace magpie::filter
