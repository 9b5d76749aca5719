// The admin service layer: validation errors, duplicates, cascades and generation bumps.
#include "admin/service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <filesystem>

#include "admin/json.h"
#include "auth/password.h"
#include "store/db.h"
#include "store/directory.h"

namespace magpie::admin {
namespace {

class ServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/magpie-svc-XXXXXX";
        dir_ = mkdtemp(tmpl);
        svc_ = std::make_unique<Service>(dir_ + "/magpie.db");
    }
    void TearDown() override {
        svc_.reset();
        std::filesystem::remove_all(dir_);
    }
    std::shared_ptr<store::Snapshot> snapshot() {
        store::Db db(dir_ + "/magpie.db");
        return store::load_snapshot(db);
    }
    Service& svc() { return *svc_; }
    std::string dir_;
    std::unique_ptr<Service> svc_;
};

TEST_F(ServiceTest, Domains) {
    EXPECT_TRUE(svc().add_domain("Example.ORG").ok());
    EXPECT_EQ(svc().add_domain("example.org").code, Errc::Exists);
    EXPECT_EQ(svc().add_domain("not a domain").code, Errc::Invalid);
    EXPECT_EQ(svc().add_domain("localhost").code, Errc::Invalid);
    EXPECT_EQ(svc().add_domain("a..b").code, Errc::Invalid);
    EXPECT_EQ(svc().add_domain("-a.b").code, Errc::Invalid);
    auto list = svc().list_domains();
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list.value.size(), 1u);
    EXPECT_EQ(list.value[0].name, "example.org");
    EXPECT_TRUE(list.value[0].user_addresses);
    EXPECT_FALSE(list.value[0].group_addresses);

    EXPECT_EQ(svc().set_domain("nope.org", {}).code, Errc::NotFound);
    EXPECT_EQ(
        svc().set_domain("example.org", {.catch_all = std::vector<std::string>{"ghost"}}).code,
        Errc::Invalid);
    EXPECT_EQ(svc().set_domain("example.org", {.hidden_copy = "bad"}).code, Errc::Invalid);
    ASSERT_TRUE(
        svc()
            .set_domain("example.org", {.user_addresses = false,
                                        .catch_all = std::vector<std::string>{"x@Remote.NET"},
                                        .hidden_copy = "Arch@Example.org"})
            .ok());
    auto d = svc().get_domain("example.org");
    ASSERT_TRUE(d.ok());
    EXPECT_FALSE(d.value.user_addresses);
    EXPECT_EQ(d.value.catch_all, std::vector<std::string>{"x@remote.net"});
    EXPECT_EQ(d.value.hidden_copy, "arch@example.org");  // local: lower-cased entirely
    ASSERT_TRUE(
        svc()
            .set_domain("example.org", {.catch_all = std::vector<std::string>{}, .hidden_copy = ""})
            .ok());
    d = svc().get_domain("example.org");
    EXPECT_TRUE(d.value.catch_all.empty());
    EXPECT_EQ(d.value.hidden_copy, "");
}

TEST_F(ServiceTest, RemovingADomainRemovesItsAddresses) {
    ASSERT_TRUE(svc().add_domain("example.org").ok());
    ASSERT_TRUE(svc().add_domain("example.net").ok());
    ASSERT_TRUE(svc().add_user("alice").ok());
    ASSERT_TRUE(svc().add_address("info@example.org", {"alice"}).ok());
    ASSERT_TRUE(svc().add_address("info@example.net", {"alice"}).ok());
    ASSERT_TRUE(svc().add_address("postmaster", {"alice"}).ok());
    ASSERT_TRUE(svc().remove_domain("EXAMPLE.org").ok());
    EXPECT_EQ(svc().remove_domain("example.org").code, Errc::NotFound);
    auto list = svc().list_addresses();
    ASSERT_EQ(list.value.size(), 2u);
    EXPECT_EQ(list.value[0].address, "info@example.net");
    EXPECT_EQ(list.value[1].address, "postmaster");
}

TEST_F(ServiceTest, Users) {
    EXPECT_TRUE(svc().add_user("Alice", "pw").ok());
    EXPECT_EQ(svc().add_user("alice").code, Errc::Exists);
    EXPECT_EQ(svc().add_user("bad name").code, Errc::Invalid);
    EXPECT_EQ(svc().add_user("-x").code, Errc::Invalid);
    EXPECT_EQ(svc().add_user("bob", "").code, Errc::Invalid);
    EXPECT_EQ(
        svc().add_user("bob", std::nullopt, {.forwards = std::vector<std::string>{"nope"}}).code,
        Errc::Invalid);
    EXPECT_FALSE(svc().get_user("bob").ok());  // the failed add left nothing behind
    ASSERT_TRUE(svc().add_user("bob").ok());

    auto users = svc().list_users();
    ASSERT_EQ(users.value.size(), 2u);
    EXPECT_EQ(users.value[0].name, "alice");
    EXPECT_TRUE(users.value[0].has_password);
    EXPECT_FALSE(users.value[1].has_password);

    ASSERT_TRUE(svc()
                    .set_user("bob", {.disabled = true,
                                      .forwards = std::vector<std::string>{"Bob@Remote.NET"},
                                      .keep_copy = false})
                    .ok());
    auto bob = svc().get_user("bob").value;
    EXPECT_TRUE(bob.disabled);
    EXPECT_FALSE(bob.keep_copy);
    EXPECT_EQ(bob.forwards, std::vector<std::string>{"Bob@remote.net"});
    ASSERT_TRUE(svc().set_user("bob", {.disabled = false}).ok());
    EXPECT_FALSE(svc().get_user("bob").value.disabled);
    EXPECT_EQ(svc().set_user("carol", {}).code, Errc::NotFound);

    ASSERT_TRUE(svc().set_password("bob", "new").ok());
    EXPECT_TRUE(auth::verify_password("new", snapshot()->users.at("bob").password_hash));
    ASSERT_TRUE(svc().set_password("bob", std::nullopt).ok());
    EXPECT_FALSE(svc().get_user("bob").value.has_password);
    EXPECT_EQ(svc().set_password("carol", "x").code, Errc::NotFound);
    // No maildir is created.
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/mail"));
}

TEST_F(ServiceTest, RemovingAUserCleansReferences) {
    ASSERT_TRUE(svc().add_domain("example.org").ok());
    ASSERT_TRUE(svc().add_user("alice").ok());
    ASSERT_TRUE(svc().add_user("bob").ok());
    ASSERT_TRUE(svc().add_group("sales", {"alice", "bob"}).ok());
    ASSERT_TRUE(svc().add_address("solo@example.org", {"alice"}).ok());
    ASSERT_TRUE(svc().add_address("both@example.org", {"alice", "bob"}).ok());
    ASSERT_TRUE(
        svc()
            .set_domain("example.org", {.catch_all = std::vector<std::string>{"alice", "bob"}})
            .ok());
    ASSERT_TRUE(svc().remove_user("alice").ok());
    EXPECT_EQ(svc().remove_user("alice").code, Errc::NotFound);

    EXPECT_EQ(svc().get_group("sales").value.members, std::vector<std::string>{"bob"});
    EXPECT_EQ(svc().get_address("solo@example.org").code, Errc::NotFound);
    EXPECT_EQ(svc().get_address("both@example.org").value.destinations,
              std::vector<std::string>{"bob"});
    EXPECT_EQ(svc().get_domain("example.org").value.catch_all, std::vector<std::string>{"bob"});
}

TEST_F(ServiceTest, GroupsAndNamespaces) {
    ASSERT_TRUE(svc().add_user("alice").ok());
    EXPECT_EQ(svc().add_group("alice").code, Errc::Exists);  // users and groups share names
    EXPECT_EQ(svc().add_group("sales", {"ghost"}).code, Errc::Invalid);
    ASSERT_TRUE(svc().add_group("Sales", {"ALICE", "alice"}).ok());
    EXPECT_EQ(svc().add_group("sales").code, Errc::Exists);
    EXPECT_EQ(svc().add_user("sales").code, Errc::Exists);
    EXPECT_EQ(svc().get_group("sales").value.members, std::vector<std::string>{"alice"});
    ASSERT_TRUE(svc().set_group_members("sales", {}).ok());
    EXPECT_TRUE(svc().get_group("sales").value.members.empty());
    EXPECT_EQ(svc().set_group_members("nope", {}).code, Errc::NotFound);
    ASSERT_TRUE(svc().add_address("team", {"sales"}).ok());
    ASSERT_TRUE(svc().remove_group("sales").ok());
    EXPECT_TRUE(svc().list_groups().value.empty());
    EXPECT_TRUE(svc().list_addresses().value.empty());
}

TEST_F(ServiceTest, PublicMailboxes) {
    ASSERT_TRUE(svc().add_public("Shared").ok());
    EXPECT_EQ(svc().add_public("shared").code, Errc::Exists);
    EXPECT_EQ(svc().add_public("a/b").code, Errc::Invalid);
    EXPECT_EQ(svc().add_public("..").code, Errc::Invalid);
    ASSERT_TRUE(svc().add_address("box", {"PUBLIC:shared"}).ok());
    EXPECT_EQ(svc().get_address("box").value.destinations,
              std::vector<std::string>{"public:shared"});
    ASSERT_TRUE(svc().remove_public("shared").ok());
    EXPECT_TRUE(svc().list_public().value.empty());
    EXPECT_TRUE(svc().list_addresses().value.empty());
    EXPECT_EQ(svc().remove_public("shared").code, Errc::NotFound);
}

TEST_F(ServiceTest, Addresses) {
    ASSERT_TRUE(svc().add_domain("example.org").ok());
    ASSERT_TRUE(svc().add_user("alice").ok());
    EXPECT_EQ(svc().add_address("info@nope.org", {"alice"}).code, Errc::Invalid);
    EXPECT_EQ(svc().add_address("in fo@example.org", {"alice"}).code, Errc::Invalid);
    EXPECT_EQ(svc().add_address("info@", {"alice"}).code, Errc::Invalid);
    EXPECT_EQ(svc().add_address("info@example.org", {}).code, Errc::Invalid);
    EXPECT_EQ(svc().add_address("info@example.org", {"ghost"}).code, Errc::Invalid);
    EXPECT_EQ(svc().add_address("info@example.org", {"public:none"}).code, Errc::Invalid);
    EXPECT_EQ(svc().add_address("info@example.org", {"x@"}).code, Errc::Invalid);
    ASSERT_TRUE(
        svc().add_address("Info@Example.org", {"alice", "Partner@Remote.NET", "alice"}, true).ok());
    EXPECT_EQ(svc().add_address("info@example.org", {"alice"}).code, Errc::Exists);
    auto a = svc().get_address("info@example.org");
    ASSERT_TRUE(a.ok());
    EXPECT_TRUE(a.value.internal);
    EXPECT_EQ(a.value.destinations, (std::vector<std::string>{"alice", "Partner@remote.net"}));
    ASSERT_TRUE(svc().set_address("info@example.org", std::nullopt, false).ok());
    EXPECT_FALSE(svc().get_address("info@example.org").value.internal);
    EXPECT_EQ(svc().set_address("info@example.org", std::vector<std::string>{}, {}).code,
              Errc::Invalid);
    EXPECT_EQ(svc().set_address("x@example.org", std::nullopt, true).code, Errc::NotFound);
    ASSERT_TRUE(svc().add_address("postmaster", {"alice"}).ok());
    ASSERT_TRUE(svc().remove_address("INFO@example.org").ok());
    EXPECT_EQ(svc().remove_address("info@example.org").code, Errc::NotFound);
    EXPECT_EQ(svc().list_addresses().value.size(), 1u);
}

TEST_F(ServiceTest, Settings) {
    auto all = svc().list_settings();
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all.value.size(), store::setting_defs().size());
    EXPECT_EQ(svc().get_setting("nope").code, Errc::NotFound);
    EXPECT_EQ(svc().set_setting("nope", "1").code, Errc::NotFound);
    auto bad = svc().set_setting("smtp_auth_on_port25", "perhaps");
    EXPECT_EQ(bad.code, Errc::Invalid);
    EXPECT_NE(bad.message.find("smtp_auth_on_port25"), std::string::npos);
    ASSERT_TRUE(svc().set_setting("smtp_auth_on_port25", "on").ok());
    auto v = svc().get_setting("smtp_auth_on_port25");
    EXPECT_EQ(v.value.value, "true");
    EXPECT_FALSE(v.value.is_default);
    ASSERT_TRUE(svc().set_setting("relay_from", "10.0.0.0/8  192.168.0.0/16").ok());
    EXPECT_EQ(svc().get_setting("relay_from").value.value, "10.0.0.0/8,192.168.0.0/16");
    EXPECT_TRUE(snapshot()->settings.smtp_auth_on_port25);
    ASSERT_TRUE(svc().reset_setting("smtp_auth_on_port25").ok());
    v = svc().get_setting("smtp_auth_on_port25");
    EXPECT_EQ(v.value.value, "false");
    EXPECT_TRUE(v.value.is_default);
}

TEST_F(ServiceTest, MutationsBumpTheGenerationFailuresDoNot) {
    auto g0 = svc().generation();
    ASSERT_TRUE(svc().add_domain("example.org").ok());
    auto g1 = svc().generation();
    EXPECT_GT(g1, g0);
    EXPECT_FALSE(svc().add_domain("example.org").ok());
    EXPECT_FALSE(svc().set_setting("max_message_size", "huge").ok());
    EXPECT_EQ(svc().generation(), g1);
    ASSERT_TRUE(svc().set_setting("max_message_size", "5M").ok());
    EXPECT_GT(svc().generation(), g1);
}

TEST_F(ServiceTest, Json) {
    ASSERT_TRUE(svc().add_user("alice", "pw").ok());
    auto j = to_json(svc().list_users().value);
    auto s = boost::json::serialize(j);
    EXPECT_NE(s.find("\"name\":\"alice\""), std::string::npos);
    EXPECT_NE(s.find("\"has_password\":true"), std::string::npos);
    EXPECT_EQ(s.find("$y$"), std::string::npos);  // never the hash
    auto e = boost::json::serialize(to_json(svc().add_user("alice")));
    EXPECT_NE(e.find("\"code\":\"exists\""), std::string::npos);
}

}  // namespace
}  // namespace magpie::admin
