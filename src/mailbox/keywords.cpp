// dovecot-keywords reader/writer (see keywords.h).
#include "mailbox/keywords.h"

#include <strings.h>

#include "core/fs.h"

namespace magpie::mailbox {

void Keywords::load(const std::string& path) {
    names_ = {};
    std::string data;
    try {
        data = fs::read_file(path);
    } catch (const std::exception&) {
        return;
    }
    size_t pos = 0;
    while (pos < data.size()) {
        size_t nl = data.find('\n', pos);
        if (nl == std::string::npos) nl = data.size();
        std::string_view line(data.data() + pos, nl - pos);
        pos = nl + 1;
        size_t sp = line.find(' ');
        if (sp == std::string_view::npos || sp == 0) continue;
        int idx = 0;
        bool ok = true;
        for (char c : line.substr(0, sp)) {
            if (c < '0' || c > '9') ok = false;
            idx = idx * 10 + (c - '0');
            if (idx >= kMaxKeywords) ok = false;
            if (!ok) break;
        }
        if (ok && sp + 1 < line.size()) names_[idx] = std::string(line.substr(sp + 1));
    }
}

void Keywords::save(const std::string& path) const {
    std::string out;
    for (int i = 0; i < kMaxKeywords; ++i) {
        if (!names_[i].empty()) out += std::to_string(i) + " " + names_[i] + "\n";
    }
    fs::write_file_atomic(path, out);
}

std::optional<int> Keywords::find(std::string_view name) const {
    for (int i = 0; i < kMaxKeywords; ++i) {
        if (names_[i].size() == name.size() &&
            ::strncasecmp(names_[i].data(), name.data(), name.size()) == 0) {
            return i;
        }
    }
    return std::nullopt;
}

std::optional<int> Keywords::intern(std::string_view name, bool* added) {
    if (auto i = find(name)) return i;
    for (int i = 0; i < kMaxKeywords; ++i) {
        if (names_[i].empty()) {
            names_[i] = std::string(name);
            if (added) *added = true;
            return i;
        }
    }
    return std::nullopt;
}

std::vector<std::string> Keywords::names_of(uint32_t bits) const {
    std::vector<std::string> out;
    for (int i = 0; i < kMaxKeywords; ++i) {
        if ((bits & (1u << i)) && !names_[i].empty()) out.push_back(names_[i]);
    }
    return out;
}

std::vector<std::string> Keywords::all() const {
    std::vector<std::string> out;
    for (const auto& n : names_) {
        if (!n.empty()) out.push_back(n);
    }
    return out;
}

}  // namespace magpie::mailbox
