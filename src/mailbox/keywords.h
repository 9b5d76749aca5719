// The "dovecot-keywords" file of a Maildir folder: lines "<index> <keyword>", index 0..25
// standing for the file-name letters 'a'..'z' (Dovecot's maildir keyword mapping).
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::mailbox {

constexpr int kMaxKeywords = 26;

class Keywords {
  public:
    // Reads `path`; a missing or unreadable file is an empty mapping.
    void load(const std::string& path);
    // Atomic rewrite (tmp + fsync + rename).
    void save(const std::string& path) const;

    std::optional<int> find(std::string_view name) const;  // case-insensitive
    // Finds or assigns a letter; nullopt when all 26 are taken. Sets *added if new.
    std::optional<int> intern(std::string_view name, bool* added = nullptr);
    const std::string& name(int index) const { return names_[index]; }
    // Keyword names of a bit set, in letter order.
    std::vector<std::string> names_of(uint32_t bits) const;
    std::vector<std::string> all() const;

  private:
    std::array<std::string, kMaxKeywords> names_;
};

}  // namespace magpie::mailbox
