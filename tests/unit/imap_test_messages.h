// Test helper for the SEARCH/SORT/THREAD unit tests: messages written to a temporary
// directory, with hand-made index data, wrapped as the session's MessageData.
#pragma once
#include <unistd.h>

#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "imap/session/message.h"
#include "mailbox/folder.h"
#include "temp_dir.h"

namespace imap_test {

class MessageBox {
  public:
    MessageBox() = default;
    MessageBox(const MessageBox&) = delete;
    MessageBox& operator=(const MessageBox&) = delete;

    // Adds a message (LF line ends become CRLF); UIDs default to 10, 20, 30...
    magpie::mailbox::MessageInfo& add(const std::string& text) {
        std::string crlf;
        for (char c : text) {
            if (c == '\n' && (crlf.empty() || crlf.back() != '\r')) crlf += '\r';
            crlf += c;
        }
        auto& info = infos_.emplace_back();
        info.uid = static_cast<uint32_t>(infos_.size() * 10);
        info.path = dir_.path + "/" + std::to_string(infos_.size());
        info.size = crlf.size();
        info.internal_date = 1700000000 + static_cast<int64_t>(infos_.size()) * 3600;
        info.modseq = infos_.size();
        std::ofstream(info.path, std::ios::binary) << crlf;
        return info;
    }

    // The session's view of every message added so far (msgs[i] is seq i+1).
    std::vector<magpie::imap::MessageData>& msgs() {
        msgs_.clear();
        for (auto& i : infos_) msgs_.emplace_back(i, nullptr);
        return msgs_;
    }

    magpie::mailbox::MessageInfo& info(size_t seq) { return infos_.at(seq - 1); }

  private:
    magpie::test_util::TempDir dir_;
    std::deque<magpie::mailbox::MessageInfo> infos_;
    std::vector<magpie::imap::MessageData> msgs_;
};

// Unix time of a local wall-clock time (the server's zone), as INTERNALDATE keys use it.
inline int64_t local_time(int y, int mon, int d, int h = 12, int min = 0) {
    std::tm t{};
    t.tm_year = y - 1900;
    t.tm_mon = mon - 1;
    t.tm_mday = d;
    t.tm_hour = h;
    t.tm_min = min;
    t.tm_isdst = -1;
    return static_cast<int64_t>(std::mktime(&t));
}

}  // namespace imap_test
