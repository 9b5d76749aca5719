// Junk retention through the mailbox layer (see expiry.h).
#include "mailbox/expiry.h"

#include <sys/stat.h>

namespace magpie::mailbox {

std::vector<uint32_t> uids_older_than(const Snapshot& snap, int64_t cutoff) {
    std::vector<uint32_t> out;
    for (const auto& m : snap.messages) {
        if (m.internal_date < cutoff) out.push_back(m.uid);
    }
    return out;
}

size_t expunge_older_than(Folder& folder, int64_t cutoff) {
    folder.sync();  // files delivered or removed since the last look
    auto uids = uids_older_than(*folder.dated_snapshot(), cutoff);
    if (uids.empty()) return 0;
    return folder.expunge_uids(uids).size();
}

std::vector<ExpiryCount> expire_junk(Registry& registry, const std::vector<RetentionRule>& rules,
                                     int64_t now, std::vector<std::string>* failed) {
    std::vector<ExpiryCount> out;
    for (const auto& r : rules) {
        if (r.days <= 0 || r.user.empty() || r.user[0] == '.' ||
            r.user.find('/') != std::string::npos) {
            continue;
        }
        struct stat st {};
        std::string dir = registry.user_root(r.user) + "/." + kJunkFolder;
        if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        try {
            auto store = registry.store(r.user);
            auto folder = store->folder(kJunkFolder);
            if (!folder) continue;
            size_t n = expunge_older_than(*folder, now - r.days * 86400);
            if (n > 0) registry.notify(folder->dir());
            out.push_back({r.user, n});
        } catch (const std::exception& e) {
            if (failed) failed->push_back(r.user + ": " + e.what());
        }
    }
    return out;
}

}  // namespace magpie::mailbox
