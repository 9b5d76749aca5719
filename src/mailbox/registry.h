// The process-wide table of open mail stores: one Store (and so one Folder object per
// folder) per user, shared by every IMAP and POP3 session and the delivery agent, plus
// change notification so a delivery or another session wakes IDLE at once, and each
// user's cached quota usage (kept for the life of the process).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mailbox/store.h"

namespace magpie::mailbox {

class Registry {
  public:
    // `mail_root` is data_dir/mail; a user's Maildir++ root is mail_root/USER.
    Registry(std::string mail_root, std::string hostname);

    // The user's Store, created with the standard folders on first use. Stays shared while
    // anyone holds it, and open for a minute after (at most 8 such), so reconnecting
    // clients find it loaded. It is destroyed (its folders' indexes written) under the
    // Registry's lock, so a second Store for the same user never writes an index at once.
    std::shared_ptr<Store> store(const std::string& user);
    std::string user_root(const std::string& user) const { return root_ + "/" + user; }
    // The user's quota usage, shared with the user's Store; created (not walked) on first use.
    std::shared_ptr<UsageCache> usage(const std::string& user);

    // Calls `fn` (on the notifier's thread; keep it short, e.g. post to an executor) each
    // time notify() names `folder_dir`. Returns a handle for unwatch().
    uint64_t watch(const std::string& folder_dir, std::function<void()> fn);
    void unwatch(uint64_t handle);
    // Something changed in the folder at `folder_dir` (a Maildir directory path).
    void notify(const std::string& folder_dir);

  private:
    const std::string root_;
    const std::string host_;
    struct Stores;  // shared with the handed-out pointers, which may outlive the Registry
    std::shared_ptr<Stores> stores_;
    std::mutex mu_;
    std::map<std::string, std::shared_ptr<UsageCache>> usage_;
    struct Watch {
        std::string dir;
        std::function<void()> fn;
    };
    std::map<uint64_t, Watch> watches_;
    uint64_t next_ = 1;
};

}  // namespace magpie::mailbox
