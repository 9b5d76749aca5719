// MessageList: reads like a vector; copies share chunks and a change copies only its chunk.
#include <gtest/gtest.h>

#include <algorithm>

#include "mailbox/message_list.h"

namespace magpie::mailbox {
namespace {

MessageList numbered(uint32_t n) {
    MessageList l;
    for (uint32_t uid = 1; uid <= n; ++uid) {
        MessageInfo m;
        m.uid = uid * 2;
        m.path = "cur/" + std::to_string(uid);
        l.push_back(std::move(m));
    }
    return l;
}

TEST(MailboxMessageList, ReadsLikeAVectorAcrossChunks) {
    MessageList l = numbered(600);  // three chunks, the last one partly filled
    ASSERT_EQ(l.size(), 600u);
    EXPECT_EQ(l.front().uid, 2u);
    EXPECT_EQ(l.back().uid, 1200u);
    EXPECT_EQ(l[256].uid, 514u);
    EXPECT_EQ(l.end() - l.begin(), 600);
    auto it = std::lower_bound(l.begin(), l.end(), 777u,
                               [](const MessageInfo& m, uint32_t u) { return m.uid < u; });
    EXPECT_EQ(it->uid, 778u);
    EXPECT_EQ(it - l.begin(), 388);
    size_t n = 0;
    for (const auto& m : l) n += m.uid == 2 * (n + 1) ? 1 : 0;
    EXPECT_EQ(n, 600u);
    EXPECT_EQ(l.to_vector().size(), 600u);
    EXPECT_TRUE(MessageList().empty());
}

TEST(MailboxMessageList, ChangingACopyLeavesTheOriginal) {
    const MessageList original = numbered(600);
    MessageList copy = original;
    copy.at(300).flags = 7;
    copy.at(300).path = "cur/changed";
    copy.push_back(MessageInfo{.uid = 5000});
    EXPECT_EQ(original[300].flags, 0u);
    EXPECT_EQ(original[300].path, "cur/301");
    EXPECT_EQ(original.size(), 600u);
    EXPECT_EQ(copy[300].flags, 7u);
    EXPECT_EQ(copy.size(), 601u);
    EXPECT_EQ(copy.back().uid, 5000u);
    // Unchanged chunks are shared, not copied.
    EXPECT_EQ(&copy[0], &original[0]);
    EXPECT_NE(&copy[300], &original[300]);
    EXPECT_TRUE(copy.same_chunk(original, 0));
    EXPECT_FALSE(copy.same_chunk(original, 1));
    EXPECT_FALSE(copy.same_chunk(original, 2));  // the last one took the new entry
    EXPECT_FALSE(copy.same_chunk(original, 3));
    // A list that is the only holder of a chunk changes it in place.
    MessageList alone = numbered(10);
    const MessageInfo* before = &alone[3];
    alone.at(3).flags = 1;
    EXPECT_EQ(&alone[3], before);
}

}  // namespace
}  // namespace magpie::mailbox
