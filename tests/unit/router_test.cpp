// Recipient checks and expansion: precedence, extensions, case, internal addresses,
// groups, forwards, catch-all, hidden copies, always-BCC, loops and bounds.
#include "store/router.h"

#include <gtest/gtest.h>

namespace magpie::store {
namespace {

using K = Target::Kind;

class RouterTest : public ::testing::Test {
  protected:
    RouterTest() {
        domain("example.org");
        user("alice");
        user("bob");
        user("carol");
    }
    Domain& domain(const std::string& name) {
        auto& d = s.domains[name];
        d.name = name;
        return d;
    }
    User& user(const std::string& name) {
        auto& u = s.users[name];
        u.name = name;
        return u;
    }
    Group& group(const std::string& name, std::vector<std::string> members) {
        auto& g = s.groups[name];
        g.name = name;
        g.members = std::move(members);
        return g;
    }
    Address& address(const std::string& a, std::vector<std::string> dests, bool internal = false) {
        auto& x = s.addresses[a];
        x = Address{a, std::move(dests), internal};
        return x;
    }
    RcptStatus check(const std::string& a, bool inside = false) {
        return check_recipient(s, a, inside);
    }
    std::vector<Target> expand(std::vector<std::string> rcpts) {
        return expand_recipients(s, rcpts);
    }
    Snapshot s;
};

TEST_F(RouterTest, UserAddressesAndCase) {
    EXPECT_EQ(check("alice@example.org"), RcptStatus::Ok);
    EXPECT_EQ(check("ALICE@Example.ORG"), RcptStatus::Ok);
    EXPECT_EQ(check("nobody@example.org"), RcptStatus::Unknown);
    EXPECT_EQ(check("alice@elsewhere.net"), RcptStatus::NotLocalDomain);
    EXPECT_EQ(check("alice"), RcptStatus::Unknown);
    EXPECT_TRUE(is_local_domain(s, "EXAMPLE.org"));
    EXPECT_EQ(expand({"Alice@EXAMPLE.org"}), (std::vector<Target>{{K::Mailbox, "alice", 0}}));
}

TEST_F(RouterTest, UserAddressesOff) {
    domain("example.org").user_addresses = false;
    EXPECT_EQ(check("alice@example.org"), RcptStatus::Unknown);
    EXPECT_TRUE(expand({"alice@example.org"}).empty());
}

TEST_F(RouterTest, DisabledUser) {
    user("bob").disabled = true;
    EXPECT_EQ(check("bob@example.org"), RcptStatus::Disabled);
    EXPECT_TRUE(expand({"bob@example.org"}).empty());
    group("team", {"alice", "bob"});
    domain("example.org").group_addresses = true;
    EXPECT_EQ(expand({"team@example.org"}), (std::vector<Target>{{K::Mailbox, "alice", 0}}));
}

TEST_F(RouterTest, RecipientDelimiter) {
    EXPECT_EQ(check("alice+news@example.org"), RcptStatus::Ok);
    EXPECT_EQ(expand({"alice+news@example.org"}), (std::vector<Target>{{K::Mailbox, "alice", 0}}));
    EXPECT_EQ(check("+news@example.org"), RcptStatus::Unknown);
    // The exact address wins over the extension rule.
    address("alice+news@example.org", {"bob"});
    EXPECT_EQ(expand({"alice+news@example.org"}), (std::vector<Target>{{K::Mailbox, "bob", 0}}));
    s.settings.recipient_delimiter = "";
    EXPECT_EQ(check("alice+x@example.org"), RcptStatus::Unknown);
    s.settings.recipient_delimiter = "-+";
    EXPECT_EQ(check("alice-x@example.org"), RcptStatus::Ok);
}

TEST_F(RouterTest, Precedence) {
    domain("example.org").group_addresses = true;
    domain("example.org").catch_all = {"carol"};
    group("sales", {"bob", "carol"});
    address("alice", {"bob"});  // wildcard

    // user beats wildcard
    EXPECT_EQ(expand({"alice@example.org"}), (std::vector<Target>{{K::Mailbox, "alice", 0}}));
    // domain-specific address beats user
    address("alice@example.org", {"carol"});
    EXPECT_EQ(expand({"alice@example.org"}), (std::vector<Target>{{K::Mailbox, "carol", 0}}));
    // group when no user of that name
    EXPECT_EQ(expand({"sales@example.org"}),
              (std::vector<Target>{{K::Mailbox, "bob", 0}, {K::Mailbox, "carol", 0}}));
    // wildcard beats catch-all, in any local domain
    domain("example.net");
    s.users.erase("alice");
    EXPECT_EQ(expand({"alice@example.net"}), (std::vector<Target>{{K::Mailbox, "bob", 0}}));
    // catch-all last
    EXPECT_EQ(check("whoever@example.org"), RcptStatus::Ok);
    EXPECT_EQ(expand({"whoever@example.org"}), (std::vector<Target>{{K::Mailbox, "carol", 0}}));
    EXPECT_EQ(check("whoever@example.net"), RcptStatus::Unknown);
}

TEST_F(RouterTest, GroupAddressesOffByDefault) {
    group("sales", {"bob"});
    EXPECT_EQ(check("sales@example.org"), RcptStatus::Unknown);
    address("sales@example.org", {"sales"});
    EXPECT_EQ(expand({"sales@example.org"}), (std::vector<Target>{{K::Mailbox, "bob", 0}}));
}

TEST_F(RouterTest, InternalAddress) {
    address("staff@example.org", {"alice"}, true);
    address("all", {"bob"}, true);
    EXPECT_EQ(check("staff@example.org", false), RcptStatus::InternalOnly);
    EXPECT_EQ(check("staff@example.org", true), RcptStatus::Ok);
    EXPECT_EQ(check("all@example.org", false), RcptStatus::InternalOnly);
    EXPECT_EQ(check("all@example.org", true), RcptStatus::Ok);
}

TEST_F(RouterTest, DestinationKinds) {
    s.public_mailboxes["shared"] = {"shared"};
    group("sales", {"bob"});
    address("info@example.org", {"alice", "sales", "public:shared", "partner@remote.net",
                                 "carol@example.org", "public:missing", "nosuchthing"});
    EXPECT_EQ(expand({"info@example.org"}),
              (std::vector<Target>{{K::Mailbox, "alice", 0},
                                   {K::Mailbox, "bob", 0},
                                   {K::Public, "shared", 0},
                                   {K::Remote, "partner@remote.net", 0},
                                   {K::Mailbox, "carol", 0}}));
}

TEST_F(RouterTest, RemoteRecipientsAndDomainCase) {
    auto t = expand({"Someone@Remote.NET", "alice@example.org"});
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].kind, K::Remote);
    EXPECT_EQ(t[0].name, "Someone@remote.net");
    EXPECT_EQ(t[0].rcpt, 0);
    EXPECT_EQ(t[1].rcpt, 1);
}

TEST_F(RouterTest, DeduplicatesFirstWins) {
    group("all", {"alice", "bob"});
    address("team@example.org", {"all", "alice"});
    auto t = expand({"bob@example.org", "team@example.org", "alice@example.org"});
    EXPECT_EQ(t, (std::vector<Target>{{K::Mailbox, "bob", 0}, {K::Mailbox, "alice", 1}}));
    EXPECT_EQ(t[0].rcpt, 0);
    EXPECT_EQ(t[1].rcpt, 1);
}

TEST_F(RouterTest, Forwards) {
    user("alice").forwards = {"alice@remote.net", "bob@example.org"};
    user("alice").keep_copy = true;
    EXPECT_EQ(
        expand({"alice@example.org"}),
        (std::vector<Target>{
            {K::Mailbox, "alice", 0}, {K::Remote, "alice@remote.net", 0}, {K::Mailbox, "bob", 0}}));
    user("alice").keep_copy = false;
    EXPECT_EQ(expand({"alice@example.org"}),
              (std::vector<Target>{{K::Remote, "alice@remote.net", 0}, {K::Mailbox, "bob", 0}}));
}

TEST_F(RouterTest, ForwardToSelfDeliversLocally) {
    user("alice").forwards = {"alice@example.org", "alice@remote.net"};
    user("alice").keep_copy = false;
    auto t = expand({"alice@example.org"});
    EXPECT_EQ(t,
              (std::vector<Target>{{K::Mailbox, "alice", 0}, {K::Remote, "alice@remote.net", 0}}));
}

TEST_F(RouterTest, ForwardLoopsEnd) {
    user("alice").forwards = {"bob@example.org"};
    user("alice").keep_copy = false;
    user("bob").forwards = {"alice@example.org"};
    user("bob").keep_copy = false;
    auto t = expand({"alice@example.org"});
    // alice -> bob -> alice (a loop back into alice delivers to her mailbox)
    EXPECT_EQ(t, (std::vector<Target>{{K::Mailbox, "alice", 0}}));
}

TEST_F(RouterTest, AliasLoopsEnd) {
    address("a@example.org", {"b@example.org"});
    address("b@example.org", {"a@example.org", "carol"});
    EXPECT_EQ(expand({"a@example.org"}), (std::vector<Target>{{K::Mailbox, "carol", 0}}));
}

TEST_F(RouterTest, DeepChainIsBounded) {
    for (int i = 0; i < 50; ++i)
        address("a" + std::to_string(i) + "@example.org",
                {"a" + std::to_string(i + 1) + "@example.org"});
    address("a50@example.org", {"alice"});
    EXPECT_TRUE(expand({"a0@example.org"}).empty());
    EXPECT_EQ(expand({"a45@example.org"}), (std::vector<Target>{{K::Mailbox, "alice", 0}}));
}

TEST_F(RouterTest, FanOutIsBounded) {
    std::vector<std::string> many;
    for (int i = 0; i < 20000; ++i) many.push_back("r" + std::to_string(i) + "@remote.net");
    address("list@example.org", many);
    EXPECT_EQ(expand({"list@example.org"}).size(), 10000u);
    // Wide and deep: each level points at all of the next one; must end fast.
    for (int level = 0; level < 10; ++level) {
        std::vector<std::string> next;
        for (int j = 0; j < 10; ++j)
            next.push_back("l" + std::to_string(level + 1) + "x" + std::to_string(j) +
                           "@example.org");
        for (int j = 0; j < 10; ++j)
            address("l" + std::to_string(level) + "x" + std::to_string(j) + "@example.org", next);
    }
    EXPECT_TRUE(expand({"l0x0@example.org"}).empty());
}

TEST_F(RouterTest, HiddenCopyAndAlwaysBcc) {
    domain("example.org").hidden_copy = "archive@example.org";
    user("archive");
    domain("example.net");
    s.settings.always_bcc = "audit@remote.net";
    auto t = expand({"alice@example.org", "bob@example.org", "x@remote.net"});
    EXPECT_EQ(t, (std::vector<Target>{{K::Mailbox, "alice", 0},
                                      {K::Mailbox, "bob", 1},
                                      {K::Remote, "x@remote.net", 2},
                                      {K::Mailbox, "archive", -1},
                                      {K::Remote, "audit@remote.net", -1}}));
    EXPECT_EQ(t[3].rcpt, -1);
    EXPECT_EQ(t[4].rcpt, -1);
    // No recipient in example.org: no hidden copy.
    s.settings.always_bcc.clear();
    EXPECT_EQ(expand({"x@remote.net"}), (std::vector<Target>{{K::Remote, "x@remote.net", 0}}));
}

TEST_F(RouterTest, AddressReachesUser) {
    address("info@example.org", {"alice", "bob"});
    s.settings.always_bcc = "carol@example.org";
    EXPECT_TRUE(address_reaches_user(s, "alice@example.org", "alice"));
    EXPECT_TRUE(address_reaches_user(s, "Info@example.org", "Bob"));
    EXPECT_TRUE(address_reaches_user(s, "alice+x@example.org", "alice"));
    EXPECT_FALSE(address_reaches_user(s, "alice@example.org", "bob"));
    EXPECT_FALSE(address_reaches_user(s, "alice@example.org", "carol"));  // BCC does not count
    EXPECT_FALSE(address_reaches_user(s, "alice@remote.net", "alice"));
}

}  // namespace
}  // namespace magpie::store
