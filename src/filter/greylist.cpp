// Greylist triplets: in memory, saved to a text file (one "key first last passed" line each).
#include "filter/greylist.h"

#include <fmt/format.h>

#include <sstream>

#include "core/cidr.h"
#include "core/fs.h"
#include "core/strings.h"

namespace magpie::filter {

std::string greylist_network(std::string_view ip) {
    auto a = IpAddr::parse(ip);
    if (!a) return std::string(ip);
    IpAddr n = *a;
    int keep = a->v4 ? 15 : 8;  // bytes kept: v4-mapped /24, or /64
    for (int i = keep; i < 16; ++i) n.bytes[i] = 0;
    return n.str() + (a->v4 ? "/24" : "/64");
}

Greylist::Greylist(std::string path, size_t max_entries)
    : path_(std::move(path)), max_entries_(max_entries) {
    load();
}

void Greylist::load() {
    if (path_.empty()) return;
    std::string data;
    try {
        data = fs::read_file(path_);
    } catch (const std::exception&) {
        return;
    }
    std::istringstream in(data);
    std::string key;
    Entry e;
    int passed = 0;
    while (in >> key >> e.first >> e.last >> passed) {
        e.passed = passed != 0;
        table_[key] = e;
    }
}

bool Greylist::check(std::string_view client_ip, std::string_view sender, std::string_view recipient,
                     int64_t now, int64_t delay, int64_t expire) {
    // Keys hold no spaces: addresses with spaces are quoted local parts, rare enough to fold.
    std::string key = greylist_network(client_ip) + "|" + to_lower(sender) + "|" + to_lower(recipient);
    for (char& c : key) {
        if (c == ' ' || c == '\n' || c == '\t') c = '_';
    }
    std::lock_guard lock(mu_);
    dirty_ = true;
    auto it = table_.find(key);
    if (it == table_.end() || now - it->second.last > expire) {
        if (it == table_.end() && table_.size() >= max_entries_) {
            std::erase_if(table_, [](const auto& kv) { return !kv.second.passed; });
            if (table_.size() >= max_entries_) return true;
        }
        table_[key] = Entry{now, now, false};
        return false;
    }
    Entry& e = it->second;
    if (!e.passed && now - e.first < delay) return false;
    e.passed = true;
    e.last = now;
    return true;
}

void Greylist::save(int64_t now, int64_t expire) {
    std::string out;
    {
        std::lock_guard lock(mu_);
        std::erase_if(table_, [&](const auto& kv) {
            const Entry& e = kv.second;
            bool gone = now - e.last > expire || (!e.passed && now - e.first > 86400);
            dirty_ = dirty_ || gone;
            return gone;
        });
        if (path_.empty()) return;
        if (!dirty_) return;
        dirty_ = false;
        for (const auto& [k, e] : table_) out += fmt::format("{} {} {} {}\n", k, e.first, e.last, e.passed ? 1 : 0);
    }
    fs::write_file_atomic(path_, out);
}

size_t Greylist::size() const {
    std::lock_guard lock(mu_);
    return table_.size();
}

}  // namespace magpie::filter
