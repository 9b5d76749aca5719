// Relay rules and relay domains: the matcher's order and precedence, relay host syntax,
// the router's handling of relay domains, and the service layer's validation, single
// default rule and shared credentials.
#include "store/relay_rules.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "admin/service.h"
#include "store/db.h"
#include "store/directory.h"
#include "store/router.h"
#include "store/schema.h"

namespace magpie::store {
namespace {

using Type = RelayRule::Type;

RelayRule rule(int64_t id, Type type, std::string pattern, std::string host, bool on = true) {
    RelayRule r;
    r.id = id;
    r.type = type;
    r.pattern = std::move(pattern);
    r.host = std::move(host);
    r.enabled = on;
    return r;
}

const std::string& host_of(const RelayRule* r) {
    static const std::string none = "(none)";
    return r ? r->host : none;
}

TEST(RelayRules, NoRulesMeansMx) {
    Snapshot s;
    EXPECT_EQ(match_relay_rule(s, "a@example.org", "b@remote.net"), nullptr);
}

TEST(RelayRules, RecipientThenSenderThenDefault) {
    Snapshot s;
    s.relay_rules = {rule(1, Type::Default, "", "default.host"),
                     rule(2, Type::Sender, "example.org", "sender.host"),
                     rule(3, Type::Recipient, "remote.net", "recipient.host")};
    EXPECT_EQ(host_of(match_relay_rule(s, "a@example.org", "b@remote.net")), "recipient.host");
    EXPECT_EQ(host_of(match_relay_rule(s, "a@example.org", "b@other.net")), "sender.host");
    EXPECT_EQ(host_of(match_relay_rule(s, "a@elsewhere.org", "b@other.net")), "default.host");
    // The null sender matches no sender rule.
    EXPECT_EQ(host_of(match_relay_rule(s, "", "b@other.net")), "default.host");
}

TEST(RelayRules, ExactAddressBeatsDomainWithinAType) {
    Snapshot s;
    s.relay_rules = {rule(1, Type::Recipient, "remote.net", "domain.host"),
                     rule(2, Type::Recipient, "vip@remote.net", "exact.host"),
                     rule(3, Type::Sender, "example.org", "sdomain.host"),
                     rule(4, Type::Sender, "boss@example.org", "sexact.host")};
    EXPECT_EQ(host_of(match_relay_rule(s, "x@y.org", "vip@remote.net")), "exact.host");
    EXPECT_EQ(host_of(match_relay_rule(s, "x@y.org", "VIP@Remote.NET")), "exact.host");
    EXPECT_EQ(host_of(match_relay_rule(s, "x@y.org", "other@remote.net")), "domain.host");
    EXPECT_EQ(host_of(match_relay_rule(s, "boss@example.org", "a@b.net")), "sexact.host");
    EXPECT_EQ(host_of(match_relay_rule(s, "Staff@Example.ORG", "a@b.net")), "sdomain.host");
}

TEST(RelayRules, DomainPatternDoesNotMatchSubdomains) {
    Snapshot s;
    s.relay_rules = {rule(1, Type::Recipient, "remote.net", "r.host")};
    EXPECT_EQ(match_relay_rule(s, "", "a@sub.remote.net"), nullptr);
    EXPECT_EQ(match_relay_rule(s, "", "a@notremote.net"), nullptr);
    EXPECT_EQ(match_relay_rule(s, "", "remote.net"), nullptr);  // no domain part
    EXPECT_EQ(host_of(match_relay_rule(s, "", "a@remote.net")), "r.host");
}

TEST(RelayRules, DisabledRulesAreSkipped) {
    Snapshot s;
    s.relay_rules = {rule(1, Type::Recipient, "vip@remote.net", "off.host", false),
                     rule(2, Type::Recipient, "remote.net", "on.host"),
                     rule(3, Type::Default, "", "default.off", false)};
    EXPECT_EQ(host_of(match_relay_rule(s, "", "vip@remote.net")), "on.host");
    EXPECT_EQ(match_relay_rule(s, "", "a@else.net"), nullptr);
}

TEST(RelayRules, TypeNames) {
    for (auto t : {Type::Recipient, Type::Sender, Type::Default})
        EXPECT_EQ(parse_relay_type(relay_type_name(t)), t);
    EXPECT_EQ(parse_relay_type("Recipient"), Type::Recipient);
    EXPECT_FALSE(parse_relay_type("smarthost"));
}

TEST(RelayRules, RelayHostSyntax) {
    auto hp = parse_relay_host("MX.Inside.LAN");
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->host, "mx.inside.lan");
    EXPECT_EQ(hp->port, 25);
    hp = parse_relay_host("mx.inside.lan:2525");
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->port, 2525);
    hp = parse_relay_host("[192.0.2.1]:587");
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->host, "192.0.2.1");
    EXPECT_EQ(hp->port, 587);
    hp = parse_relay_host("[2001:db8::1]");
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->host, "2001:db8::1");
    EXPECT_EQ(hp->port, 25);
    hp = parse_relay_host("2001:db8::1");
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->host, "2001:db8::1");
    hp = parse_relay_host("localhost");
    ASSERT_TRUE(hp);
    for (auto bad : {"", "host:", "host:0", "host:65536", "host:x", "[1.2.3.4", "[1.2.3.4]x",
                     "bad host", "-x.org", "a..b"})
        EXPECT_FALSE(parse_relay_host(bad)) << bad;
}

TEST(RelayRules, RelayDomains) {
    Snapshot s;
    s.domains["local.org"] = Domain{"local.org"};
    Domain relay{"relay.org"};
    relay.relay_host = "mx.inside.lan:2525";
    relay.hidden_copy = "archive@local.org";
    s.domains["relay.org"] = relay;
    s.users["archive"] = User{"archive"};
    EXPECT_EQ(relay_domain_for(s, "x@local.org"), nullptr);
    EXPECT_EQ(relay_domain_for(s, "x@remote.net"), nullptr);
    ASSERT_NE(relay_domain_for(s, "x@RELAY.org"), nullptr);
    EXPECT_EQ(relay_domain_for(s, "x@relay.org")->relay_host, "mx.inside.lan:2525");

    // Any local part is accepted; nothing is delivered locally.
    EXPECT_EQ(check_recipient(s, "anyone@relay.org", false), RcptStatus::Ok);
    EXPECT_EQ(check_recipient(s, "nobody@local.org", false), RcptStatus::Unknown);
    auto t = expand_recipients(s, {"Anyone@Relay.org"});
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].kind, Target::Kind::Remote);
    EXPECT_EQ(t[0].name, "Anyone@relay.org");
    EXPECT_EQ(t[0].rcpt, 0);
    EXPECT_EQ(t[1].kind, Target::Kind::Mailbox);  // the domain's hidden copy still applies
    EXPECT_EQ(t[1].name, "archive");
}

class RelayServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/magpie-relay-XXXXXX";
        dir_ = mkdtemp(tmpl);
        svc_ = std::make_unique<admin::Service>(dir_ + "/magpie.db");
    }
    void TearDown() override {
        svc_.reset();
        std::filesystem::remove_all(dir_);
    }
    std::shared_ptr<Snapshot> snapshot() {
        Db db(dir_ + "/magpie.db");
        return load_snapshot(db);
    }
    admin::Service& svc() { return *svc_; }
    std::string dir_;
    std::unique_ptr<admin::Service> svc_;
};

using admin::Errc;
using admin::RelayRuleOptions;

TEST_F(RelayServiceTest, AddListAndSnapshot) {
    auto a = svc().relay_add({.type = Type::Default,
                              .host = "Smarthost.ISP.net",
                              .port = 587,
                              .username = "u",
                              .password = "secret",
                              .tls_required = true});
    ASSERT_TRUE(a.ok()) << a.message;
    auto b =
        svc().relay_add({.type = Type::Recipient, .pattern = "Gmail.COM", .host = "[10.0.0.1]"});
    ASSERT_TRUE(b.ok()) << b.message;
    EXPECT_NE(a.value, b.value);

    auto list = svc().relay_list();
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list.value.size(), 2u);
    EXPECT_EQ(list.value[0].id, a.value);
    EXPECT_EQ(list.value[0].host, "smarthost.isp.net");
    EXPECT_EQ(list.value[0].port, 587);
    EXPECT_EQ(list.value[0].username, "u");
    EXPECT_TRUE(list.value[0].has_password);
    EXPECT_TRUE(list.value[0].tls_required);
    EXPECT_EQ(list.value[1].pattern, "gmail.com");
    EXPECT_EQ(list.value[1].host, "10.0.0.1");
    EXPECT_EQ(list.value[1].port, 25);
    EXPECT_FALSE(list.value[1].has_password);

    auto s = snapshot();
    ASSERT_EQ(s->relay_rules.size(), 2u);
    EXPECT_EQ(s->relay_rules[0].password, "secret");  // the engine needs it
    EXPECT_EQ(host_of(match_relay_rule(*s, "a@b.org", "x@gmail.com")), "10.0.0.1");
    EXPECT_EQ(host_of(match_relay_rule(*s, "a@b.org", "x@yahoo.com")), "smarthost.isp.net");
}

TEST_F(RelayServiceTest, Validation) {
    auto code = [&](const RelayRuleOptions& o) { return svc().relay_add(o).code; };
    EXPECT_EQ(code({.host = "h.net"}), Errc::Invalid);        // no type
    EXPECT_EQ(code({.type = Type::Default}), Errc::Invalid);  // no host
    EXPECT_EQ(code({.type = Type::Default, .host = "bad host"}), Errc::Invalid);
    EXPECT_EQ(code({.type = Type::Default, .host = "h.net", .port = 0}), Errc::Invalid);
    EXPECT_EQ(code({.type = Type::Default, .host = "h.net", .port = 65536}), Errc::Invalid);
    EXPECT_EQ(code({.type = Type::Default, .pattern = "x.org", .host = "h.net"}), Errc::Invalid);
    EXPECT_EQ(code({.type = Type::Recipient, .host = "h.net"}), Errc::Invalid);  // no pattern
    EXPECT_EQ(code({.type = Type::Sender, .pattern = "not a domain", .host = "h.net"}),
              Errc::Invalid);
    EXPECT_EQ(code({.type = Type::Sender, .pattern = "@x.org", .host = "h.net"}), Errc::Invalid);
    EXPECT_EQ(code({.type = Type::Default, .host = "h.net", .username = "u"}), Errc::Invalid);
    EXPECT_EQ(code({.type = Type::Default, .host = "h.net", .password = "p"}), Errc::Invalid);
    EXPECT_EQ(code({.type = Type::Default, .host = "h.net", .username = "u", .password = "a\nb"}),
              Errc::Invalid);
    EXPECT_TRUE(svc().relay_list().value.empty());
}

TEST_F(RelayServiceTest, OneDefaultAndNoDuplicates) {
    ASSERT_TRUE(svc().relay_add({.type = Type::Default, .host = "a.net"}).ok());
    EXPECT_EQ(svc().relay_add({.type = Type::Default, .host = "b.net"}).code, Errc::Exists);
    auto r = svc().relay_add({.type = Type::Sender, .pattern = "x.org", .host = "a.net"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(svc().relay_add({.type = Type::Sender, .pattern = "X.org", .host = "c.net"}).code,
              Errc::Exists);
    // The same pattern as a recipient rule is a different rule.
    EXPECT_TRUE(
        svc().relay_add({.type = Type::Recipient, .pattern = "x.org", .host = "c.net"}).ok());
    // Turning the sender rule into a second default is refused too.
    EXPECT_EQ(svc().relay_edit(r.value, {.type = Type::Default}).code, Errc::Exists);
}

TEST_F(RelayServiceTest, EditEnableDisableRemove) {
    auto r = svc().relay_add({.type = Type::Recipient, .pattern = "x.org", .host = "a.net"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(svc().relay_edit(999, {.port = 26}).code, Errc::NotFound);
    ASSERT_TRUE(svc().relay_edit(r.value, {.port = 2525, .tls_required = true}).ok());
    auto g = svc().relay_get(r.value);
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g.value.port, 2525);
    EXPECT_TRUE(g.value.tls_required);
    EXPECT_EQ(g.value.pattern, "x.org");  // kept
    EXPECT_EQ(svc().relay_edit(r.value, {.port = -1}).code, Errc::Invalid);

    ASSERT_TRUE(svc().relay_set_enabled(r.value, false).ok());
    EXPECT_FALSE(svc().relay_get(r.value).value.enabled);
    EXPECT_EQ(match_relay_rule(*snapshot(), "", "a@x.org"), nullptr);
    ASSERT_TRUE(svc().relay_set_enabled(r.value, true).ok());
    EXPECT_EQ(host_of(match_relay_rule(*snapshot(), "", "a@x.org")), "a.net");
    EXPECT_EQ(svc().relay_set_enabled(999, true).code, Errc::NotFound);

    // Switching to a default rule drops the pattern.
    ASSERT_TRUE(svc().relay_edit(r.value, {.type = Type::Default}).ok());
    EXPECT_EQ(svc().relay_get(r.value).value.pattern, "");

    auto gen = svc().generation();
    ASSERT_TRUE(svc().relay_remove(r.value).ok());
    EXPECT_GT(svc().generation(), gen);
    EXPECT_EQ(svc().relay_remove(r.value).code, Errc::NotFound);
    EXPECT_EQ(svc().relay_get(r.value).code, Errc::NotFound);
}

TEST_F(RelayServiceTest, CredentialsAndTlsAreSharedPerTypeAndHostPort) {
    auto a = svc().relay_add(
        {.type = Type::Recipient, .pattern = "a.org", .host = "hub.net", .port = 587});
    auto b = svc().relay_add(
        {.type = Type::Recipient, .pattern = "b.org", .host = "hub.net", .port = 587});
    auto other_port = svc().relay_add(
        {.type = Type::Recipient, .pattern = "c.org", .host = "hub.net", .port = 25});
    auto other_type =
        svc().relay_add({.type = Type::Sender, .pattern = "d.org", .host = "hub.net", .port = 587});
    ASSERT_TRUE(a.ok() && b.ok() && other_port.ok() && other_type.ok());

    // Creating a rule updates the others of its type with the same host:port.
    auto c = svc().relay_add({.type = Type::Recipient,
                              .pattern = "e.org",
                              .host = "HUB.net",
                              .port = 587,
                              .username = "relayuser",
                              .password = "pw1",
                              .tls_required = true});
    ASSERT_TRUE(c.ok());
    auto s = snapshot();
    auto find = [&](int64_t id) -> const RelayRule& {
        for (auto& r : s->relay_rules)
            if (r.id == id) return r;
        throw std::runtime_error("no rule");
    };
    for (auto id : {a.value, b.value, c.value}) {
        EXPECT_EQ(find(id).username, "relayuser") << id;
        EXPECT_EQ(find(id).password, "pw1") << id;
        EXPECT_TRUE(find(id).tls_required) << id;
    }
    for (auto id : {other_port.value, other_type.value}) {
        EXPECT_EQ(find(id).username, "") << id;
        EXPECT_FALSE(find(id).tls_required) << id;
    }

    // Editing one does it too, including clearing the credentials.
    ASSERT_TRUE(svc().relay_edit(a.value, {.username = "", .tls_required = false}).ok());
    s = snapshot();
    for (auto id : {a.value, b.value, c.value}) {
        EXPECT_EQ(find(id).username, "") << id;
        EXPECT_EQ(find(id).password, "") << id;
        EXPECT_FALSE(find(id).tls_required) << id;
    }
}

TEST_F(RelayServiceTest, RelayDomains) {
    ASSERT_TRUE(svc().add_domain("relay.org", {.relay_host = "MX.Inside.lan:2525"}).ok());
    EXPECT_EQ(svc().get_domain("relay.org").value.relay_host, "mx.inside.lan:2525");
    ASSERT_TRUE(svc().set_domain("relay.org", {.relay_host = "[2001:db8::1]:25"}).ok());
    EXPECT_EQ(svc().get_domain("relay.org").value.relay_host, "[2001:db8::1]");
    EXPECT_EQ(svc().set_domain("relay.org", {.relay_host = "bad host"}).code, Errc::Invalid);
    EXPECT_EQ(svc().set_domain("relay.org", {.relay_host = "h:99999"}).code, Errc::Invalid);
    auto s = snapshot();
    ASSERT_NE(relay_domain_for(*s, "x@relay.org"), nullptr);
    auto hp = parse_relay_host(relay_domain_for(*s, "x@relay.org")->relay_host);
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->host, "2001:db8::1");
    EXPECT_EQ(hp->port, 25);
    // Other options leave the relay host alone; an empty one makes the domain local again.
    ASSERT_TRUE(svc().set_domain("relay.org", {.group_addresses = true}).ok());
    EXPECT_EQ(svc().get_domain("relay.org").value.relay_host, "[2001:db8::1]");
    ASSERT_TRUE(svc().set_domain("relay.org", {.relay_host = ""}).ok());
    EXPECT_EQ(relay_domain_for(*snapshot(), "x@relay.org"), nullptr);
}

TEST_F(RelayServiceTest, SchemaUpgradeFromVersionOne) {
    svc_.reset();
    std::string path = dir_ + "/old.db";
    {
        Db db(path);
        db.exec(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
            "INSERT INTO meta VALUES ('generation', 3);"
            "CREATE TABLE domains (name TEXT PRIMARY KEY, user_addresses INTEGER NOT NULL "
            "DEFAULT 1, group_addresses INTEGER NOT NULL DEFAULT 0, catch_all TEXT NOT NULL "
            "DEFAULT '', hidden_copy TEXT NOT NULL DEFAULT '');"
            "INSERT INTO domains (name) VALUES ('old.org');"
            "PRAGMA user_version = 1;");
    }
    // The v1 file lacks the other tables too; only the relay additions are under test.
    Db db(path);
    db.exec(
        "CREATE TABLE users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL DEFAULT '', "
        "disabled INTEGER NOT NULL DEFAULT 0, forwards TEXT NOT NULL DEFAULT '', keep_copy "
        "INTEGER NOT NULL DEFAULT 1);"
        "CREATE TABLE mail_groups (name TEXT PRIMARY KEY);"
        "CREATE TABLE group_members (group_name TEXT, user_name TEXT);"
        "CREATE TABLE public_mailboxes (name TEXT PRIMARY KEY);"
        "CREATE TABLE addresses (address TEXT PRIMARY KEY, internal INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE address_destinations (address TEXT, position INTEGER, destination TEXT);"
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);");
    admin::Service svc(path);
    auto d = svc.get_domain("old.org");
    ASSERT_TRUE(d.ok()) << d.message;
    EXPECT_EQ(d.value.relay_host, "");
    EXPECT_TRUE(svc.relay_add({.type = Type::Default, .host = "h.net"}).ok());
    EXPECT_EQ(db.query_int("PRAGMA user_version"), kSchemaVersion);
}

}  // namespace
}  // namespace magpie::store
