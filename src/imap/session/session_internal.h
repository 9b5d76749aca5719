// Private state of imap::Session shared by its source files: the selected mailbox's view
// and a FETCH in progress.
#pragma once
#include <algorithm>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "imap/proto/response.h"
#include "imap/session/fetch.h"
#include "imap/session/session.h"
#include "mailbox/folder.h"

namespace magpie::imap {

struct Session::Selected {
    std::string name;
    std::shared_ptr<mailbox::Folder> folder;
    bool readonly = false;
    // The view: message number n is view()[n - 1], by UID. It is the folder's snapshot,
    // shared, except while expunges are held back (gone not empty): then a private merge.
    std::shared_ptr<const mailbox::Snapshot> snap;
    std::shared_ptr<const mailbox::Snapshot> base;  // the folder snapshot `snap` reflects
    std::unordered_set<uint32_t> gone;              // expunged elsewhere, not reported yet
    std::unordered_set<uint32_t> recent;            // \Recent in this session
    uint64_t modseq = 0;                            // the folder's HIGHESTMODSEQ the view reflects
    uint32_t uidvalidity = 0;
    uint32_t uidnext = 0;
    size_t keywords_announced = 0;  // keyword names the last FLAGS response listed

    const mailbox::MessageList& view() const { return snap->messages; }

    // View index of a UID, or -1.
    ptrdiff_t find(uint32_t uid) const {
        const auto& v = view();
        auto it =
            std::lower_bound(v.begin(), v.end(), uid,
                             [](const mailbox::MessageInfo& m, uint32_t u) { return m.uid < u; });
        if (it == v.end() || it->uid != uid) return -1;
        return it - v.begin();
    }
};

struct Session::PendingFetch {
    std::string tag;
    std::string done_text;  // "FETCH completed" / "UID FETCH completed"
    std::vector<size_t> idx;
    size_t pos = 0;
    std::vector<FetchAtt> atts;
    FetchOptions opt;
    std::unordered_set<uint32_t> seen_now;  // \Seen just set: FLAGS go with the response
    bool expunge_issued = false;
    bool uid = false;  // UID FETCH: expunges may be reported at the end
};

// Inserts `text` before the last line of out[start..] (the tagged response).
void insert_before_last_line(std::string& out, size_t start, const std::string& text);

// Output larger than this is handed to the server before the FETCH goes on.
inline constexpr size_t kOutputChunk = 256 * 1024;

}  // namespace magpie::imap
