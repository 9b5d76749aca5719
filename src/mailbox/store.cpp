// Store: folders of one user (see store.h, docs/mailbox-store.md).
#include "mailbox/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <set>
#include <system_error>

#include "core/fs.h"
#include "mailbox/flags.h"
#include "mailbox/folder_name.h"
#include "mailbox/maildir_dirs.h"

namespace magpie::mailbox {
namespace {

constexpr const char* kStandard[][2] = {
    {"Sent", "\\Sent"}, {"Drafts", "\\Drafts"},   {"Trash", "\\Trash"},
    {"Junk", "\\Junk"}, {"Archive", "\\Archive"},
};

bool is_dir(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::string special_use_of(const std::string& name) {
    for (const auto& s : kStandard) {
        if (name == s[0]) return s[1];
    }
    return "";
}

Store::Store(std::string root, std::string hostname, std::shared_ptr<UsageCache> usage)
    : root_(std::move(root)), host_(std::move(hostname)), usage_(std::move(usage)) {}

std::string Store::folder_path(const std::string& name) const {
    std::string d = folder_dir_name(name);
    return d.empty() ? root_ : root_ + "/" + d;
}

bool Store::exists(const std::string& name) const {
    if (is_inbox(name)) return true;  // created lazily
    return valid_folder_name(name) &&
           (is_dir(folder_path(name)) || pending(canonical_folder_name(name)));
}

bool Store::pending(const std::string& key) const {
    std::lock_guard lock(mu_);
    return pending_std_.count(key) > 0;
}

bool Store::materialize(const std::string& key) {
    std::lock_guard lock(mu_);
    if (!pending_std_.count(key)) return false;
    make_folder(key);  // Exists when someone made it meanwhile: as good
    pending_std_.erase(key);
    return true;
}

std::shared_ptr<Folder> Store::folder(const std::string& name) {
    if (valid_folder_name(name)) materialize(canonical_folder_name(name));
    if (!exists(name)) return nullptr;
    std::string key = canonical_folder_name(name);
    std::lock_guard lock(mu_);
    auto& f = open_[key];
    if (!f) {
        if (is_inbox(key)) fs::make_dirs(root_, 0700);
        f = std::make_shared<Folder>(folder_path(key), host_, usage_);
    }
    return f;
}

StoreError Store::make_folder(const std::string& name) {
    if (is_inbox(name)) return StoreError::Exists;
    if (!valid_folder_name(name)) return StoreError::Invalid;
    std::string path = folder_path(name);
    if (is_dir(path)) return StoreError::Exists;
    fs::make_dirs(root_, 0700);
    make_maildir_dirs(path);
    // Dovecot marks Maildir++ folders with an empty "maildirfolder" file (no data: only
    // its directory entry needs to reach the disk).
    std::string marker = path + "/maildirfolder";
    int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "create " + marker);
    ::close(fd);
    return StoreError::None;
}

StoreError Store::create(const std::string& name) {
    if (valid_folder_name(name) && pending(canonical_folder_name(name))) return StoreError::Exists;
    StoreError e = make_folder(name);
    if (e != StoreError::None) return e;
    fs::fsync_dir(folder_path(name));
    fs::fsync_dir(root_);
    return StoreError::None;
}

StoreError Store::remove(const std::string& name) {
    if (is_inbox(name)) return StoreError::Invalid;
    if (!exists(name)) return StoreError::NotFound;
    std::string path = folder_path(name);
    {
        std::lock_guard lock(mu_);
        if (pending_std_.erase(canonical_folder_name(name)) > 0 && !is_dir(path)) {
            return StoreError::None;  // never made
        }
    }
    // Rename out of sight first, so a crash never leaves a half-deleted folder visible.
    std::string trash = root_ + "/..magpie-deleted." + std::to_string(::time(nullptr)) + "." +
                        std::to_string(reinterpret_cast<uintptr_t>(this) & 0xffff);
    if (::rename(path.c_str(), trash.c_str()) != 0) {
        throw std::system_error(errno, std::generic_category(), "rename " + path);
    }
    fs::fsync_dir(root_);
    std::error_code ec;
    std::filesystem::remove_all(trash, ec);
    if (usage_) usage_->invalidate();
    std::lock_guard lock(mu_);
    open_.erase(canonical_folder_name(name));
    return StoreError::None;
}

StoreError Store::rename(const std::string& from, const std::string& to) {
    if (is_inbox(from) || is_inbox(to)) return StoreError::Invalid;
    if (!valid_folder_name(to)) return StoreError::Invalid;
    if (valid_folder_name(from)) materialize(canonical_folder_name(from));
    if (exists(to)) return StoreError::Exists;
    std::vector<std::string> all = folder_names();
    std::string prefix = from + kHierarchySeparator;
    std::vector<std::string> moving;
    for (const auto& n : all) {
        if (n == from || n.rfind(prefix, 0) == 0) moving.push_back(n);
    }
    if (moving.empty()) return StoreError::NotFound;
    for (const auto& n : moving) {
        std::string target = to + n.substr(from.size());
        if (exists(target)) return StoreError::Exists;
    }
    std::lock_guard lock(mu_);
    for (const auto& n : moving) {
        std::string target = to + n.substr(from.size());
        if (::rename(folder_path(n).c_str(), folder_path(target).c_str()) != 0) {
            throw std::system_error(errno, std::generic_category(), "rename " + n);
        }
        open_.erase(n);
    }
    fs::fsync_dir(root_);
    auto subs = subscriptions();
    for (auto& s : subs) {
        if (s == from || s.rfind(prefix, 0) == 0) s = to + s.substr(from.size());
    }
    save_subscriptions(subs);
    return StoreError::None;
}

std::vector<std::string> Store::folder_names() const {
    std::vector<std::string> out;
    DIR* d = ::opendir(root_.c_str());
    if (!d) return out;
    while (dirent* de = ::readdir(d)) {
        auto name = folder_from_dir_name(de->d_name);
        if (name && is_dir(root_ + "/" + de->d_name + "/cur")) out.push_back(*name);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<FolderEntry> Store::list() {
    std::vector<std::string> names = folder_names();
    {
        std::lock_guard lock(mu_);
        names.insert(names.end(), pending_std_.begin(), pending_std_.end());
    }
    std::set<std::string> existing(names.begin(), names.end());
    std::set<std::string> all = existing;
    for (const auto& n : names) {  // parents without a folder of their own
        for (size_t p = n.find(kHierarchySeparator); p != std::string::npos;
             p = n.find(kHierarchySeparator, p + 1)) {
            all.insert(n.substr(0, p));
        }
    }
    auto subs = subscriptions();
    std::set<std::string> subscribed(subs.begin(), subs.end());
    std::vector<FolderEntry> out;
    out.push_back({"INBOX", "", false, false, subscribed.count("INBOX") > 0});
    for (const auto& n : all) {
        FolderEntry e;
        e.name = n;
        e.special_use = special_use_of(n);
        e.no_select = !existing.count(n);
        auto next = all.upper_bound(n);
        e.has_children = next != all.end() && next->rfind(n + kHierarchySeparator, 0) == 0;
        e.subscribed = subscribed.count(n) > 0;
        out.push_back(std::move(e));
    }
    return out;
}

// Dovecot's "subscriptions" file. Version 1 (written here, read by every Dovecot): one
// mailbox name per line, mUTF-7, '.' separated. Version 2 ("V\t2\n\n" header) is read
// too: hierarchy levels separated by tabs, names as stored.
std::vector<std::string> Store::subscriptions() {
    std::string data;
    try {
        data = fs::read_file(root_ + "/subscriptions");
    } catch (const std::exception&) {
        return {};
    }
    bool v2 = data.rfind("V\t2\n\n", 0) == 0;
    size_t pos = v2 ? 5 : 0;
    std::vector<std::string> out;
    while (pos < data.size()) {
        size_t nl = data.find('\n', pos);
        if (nl == std::string::npos) nl = data.size();
        std::string line = data.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.empty()) continue;
        if (v2) std::replace(line.begin(), line.end(), '\t', kHierarchySeparator);
        auto name = mutf7_decode(line);
        out.push_back(canonical_folder_name(name ? *name : line));
    }
    return out;
}

void Store::save_subscriptions(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += mutf7_encode(n) + "\n";
    fs::make_dirs(root_, 0700);
    fs::write_file_atomic(root_ + "/subscriptions", out);
}

void Store::subscribe(const std::string& name, bool on) {
    std::lock_guard lock(mu_);
    auto subs = subscriptions();
    std::string key = canonical_folder_name(name);
    auto it = std::find(subs.begin(), subs.end(), key);
    if (on == (it != subs.end())) return;  // nothing to change
    if (on) subs.push_back(key);
    if (!on) subs.erase(it);
    save_subscriptions(subs);
}

void Store::ensure_standard_folders() {
    folder("INBOX")->sync(false);
    std::lock_guard lock(mu_);
    std::vector<std::string> missing;
    for (const auto& s : kStandard) {
        if (!is_dir(folder_path(s[0])) && pending_std_.insert(s[0]).second) {
            missing.push_back(s[0]);
        }
    }
    auto subs = subscriptions();
    std::set<std::string> have(subs.begin(), subs.end());
    bool changed = false;
    std::vector<std::string> want{"INBOX"};
    want.insert(want.end(), missing.begin(), missing.end());
    for (const auto& n : want) {
        if (!have.insert(n).second) continue;
        subs.push_back(n);
        changed = true;
    }
    if (changed) save_subscriptions(subs);
}

QuotaUsage Store::quota_usage() {
    return usage_ ? usage_->get() : walk_usage(root_);
}

}  // namespace magpie::mailbox
