// Helpers for the FETCH executor tests: a message file in a temp dir, FETCH items parsed
// by the real parser, literal formatting.
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "imap/proto/command.h"
#include "imap/session/fetch.h"
#include "imap/session/message.h"
#include "mailbox/folder.h"
#include "temp_dir.h"

namespace fetch_test {

using magpie::test_util::TempDir;

// The attributes of "FETCH 1 <items>", e.g. items = "(FLAGS BODY[1]<0.10>)".
inline std::vector<magpie::imap::FetchAtt> atts(std::string_view items) {
    std::string raw = "a FETCH 1 " + std::string(items) + "\r\n";
    magpie::imap::ParseResult r = magpie::imap::parse_command(raw);
    EXPECT_TRUE(r.command) << items << ": " << r.error;
    if (!r.command) return {};
    return r.command->as<magpie::imap::FetchArgs>().atts;
}

inline std::string lit(std::string_view bytes) {
    return "{" + std::to_string(bytes.size()) + "}\r\n" + std::string(bytes);
}

inline std::string response(std::string_view items, uint32_t seq = 1) {
    return "* " + std::to_string(seq) + " FETCH (" + std::string(items) + ")\r\n";
}

// One message file, its index data and FETCH on it without a folder.
struct Msg {
    TempDir dir;
    magpie::mailbox::MessageInfo info;

    explicit Msg(std::string_view data, std::string name = "1700000000.M1P1.host,S=0:2,") {
        info.path = dir.path + "/" + name;
        std::ofstream(info.path, std::ios::binary).write(data.data(), std::streamsize(data.size()));
        info.uid = 7;
        info.size = data.size();
        info.internal_date = 1700000000;
        info.modseq = 42;
    }

    std::string fetch(std::string_view items, const magpie::imap::FetchOptions& opt = {},
                      magpie::imap::FetchError* err = nullptr) {
        magpie::imap::MessageData md(info, nullptr);
        std::string out;
        auto e = magpie::imap::append_fetch(out, 1, md, atts(items), opt);
        if (err) *err = e;
        EXPECT_TRUE(err || e == magpie::imap::FetchError::None) << items;
        return out;
    }
};

}  // namespace fetch_test
