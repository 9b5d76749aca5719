// A user's mail store: the Maildir++ root (INBOX) and its ".Name" folders, one shared
// Folder object per folder, folder create/delete/rename/list with SPECIAL-USE
// attributes (RFC 6154), subscriptions (Dovecot's "subscriptions" file) and quota usage.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mailbox/folder.h"
#include "mailbox/usage.h"

namespace magpie::mailbox {

struct FolderEntry {
    std::string name;         // UTF-8, '.' separated; "INBOX" for the root
    std::string special_use;  // "\\Sent", "\\Drafts", ... or empty (RFC 6154 §2)
    bool has_children = false;
    bool no_select = false;  // a parent level with no folder of its own (\NonExistent)
    bool subscribed = false;
};

enum class StoreError { None, Exists, NotFound, Invalid, HasInferiors };

class Store {
  public:
    // With `usage`, quota usage is kept there (shared with the user's other Stores and the
    // delivery agent) and the folders count their changes into it.
    Store(std::string root, std::string hostname, std::shared_ptr<UsageCache> usage = nullptr);
    const std::string& root() const { return root_; }

    // The shared Folder object of a folder, or nullptr when it does not exist.
    std::shared_ptr<Folder> folder(const std::string& name);
    std::string folder_path(const std::string& name) const;
    bool exists(const std::string& name) const;

    StoreError create(const std::string& name);
    // Removes the folder's own directory; children stay (RFC 9051 §6.3.5).
    StoreError remove(const std::string& name);
    // Renames a folder and its children; INBOX cannot be renamed here.
    StoreError rename(const std::string& from, const std::string& to);
    std::vector<FolderEntry> list();

    std::vector<std::string> subscriptions();
    void subscribe(const std::string& name, bool on);

    // INBOX, Sent, Drafts, Trash, Junk, Archive, subscribed; harmless when they exist.
    // Like Dovecot's `auto = subscribe`, a missing standard folder is listed, subscribed
    // and reported as existing at once, but its directories are made only when it is first
    // opened (folder(), and so SELECT, STATUS, APPEND, COPY) or renamed: a first login
    // creates nothing but the subscriptions. DELETE of one not made yet just forgets it
    // until the next Store.
    void ensure_standard_folders();
    // Bytes and messages of all folders: from the UsageCache, else a full walk.
    QuotaUsage quota_usage();

  private:
    // cur/ new/ tmp/ and maildirfolder, nothing fsync'd; StoreError::Exists when it exists.
    StoreError make_folder(const std::string& name);
    void save_subscriptions(const std::vector<std::string>& names);
    std::vector<std::string> folder_names() const;
    bool pending(const std::string& key) const;
    // Makes a pending standard folder's directories; false when `key` was not pending.
    bool materialize(const std::string& key);

    const std::string root_;
    const std::string host_;
    const std::shared_ptr<UsageCache> usage_;
    mutable std::mutex mu_;
    std::map<std::string, std::shared_ptr<Folder>> open_;
    std::set<std::string> pending_std_;  // standard folders listed but not made yet
};

// RFC 6154 attribute of a standard folder name, or "".
std::string special_use_of(const std::string& name);

}  // namespace magpie::mailbox
