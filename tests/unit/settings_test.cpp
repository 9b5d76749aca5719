// Settings registry: defaults, normalisation of every type, from_map.
#include "store/settings.h"

#include <gtest/gtest.h>

namespace magpie::store {
namespace {

std::optional<std::string> norm(const std::string& key, const std::string& value,
                                std::string* err = nullptr) {
    auto* def = find_setting(key);
    EXPECT_NE(def, nullptr) << key;
    return normalize_setting(*def, value, err);
}

TEST(Settings, EveryDefaultIsCanonical) {
    for (auto& d : setting_defs()) {
        std::string err;
        auto v = normalize_setting(d, d.default_value, &err);
        ASSERT_TRUE(v) << d.key << ": " << err;
        EXPECT_EQ(*v, d.default_value) << d.key;
        EXPECT_FALSE(d.help.empty()) << d.key;
    }
}

TEST(Settings, FromEmptyMapEqualsDefaults) {
    Settings def;
    auto s = Settings::from_map({});
    EXPECT_EQ(s.max_message_size, def.max_message_size);
    EXPECT_EQ(s.smtp_recipient_limit, def.smtp_recipient_limit);
    EXPECT_EQ(s.recipient_delimiter, "+");
    EXPECT_EQ(s.trusted_networks.nets.size(), 2u);
    EXPECT_TRUE(s.relay_from.nets.empty());
    EXPECT_TRUE(s.trusted_networks.contains(*IpAddr::parse("127.1.2.3")));
    EXPECT_TRUE(s.trusted_networks.contains(*IpAddr::parse("::1")));
    EXPECT_FALSE(s.trusted_networks.contains(*IpAddr::parse("10.0.0.1")));
}

TEST(Settings, FromMapAppliesValuesAndIgnoresBadOnes) {
    auto s = Settings::from_map({{"max_message_size", "10M"},
                                 {"smtp_auth_on_port25", "yes"},
                                 {"relay_from", "10.0.0.0/8 192.168.1.1"},
                                 {"smtp_recipient_limit", "many"},
                                 {"no_such_key", "1"}});
    EXPECT_EQ(s.max_message_size, 10 * 1024 * 1024);
    EXPECT_TRUE(s.smtp_auth_on_port25);
    EXPECT_TRUE(s.relay_from.contains(*IpAddr::parse("10.9.9.9")));
    EXPECT_EQ(s.smtp_recipient_limit, 1000);
}

TEST(Settings, Bool) {
    for (auto t : {"true", "YES", "on", "1", " On "})
        EXPECT_EQ(norm("allow_plaintext_auth", t), "true");
    for (auto f : {"false", "no", "OFF", "0"}) EXPECT_EQ(norm("allow_plaintext_auth", f), "false");
    std::string err;
    EXPECT_FALSE(norm("allow_plaintext_auth", "maybe", &err));
    EXPECT_NE(err.find("allow_plaintext_auth"), std::string::npos);
}

TEST(Settings, Size) {
    EXPECT_EQ(norm("max_message_size", "10M"), "10485760");
    EXPECT_EQ(norm("max_message_size", "512K"), "524288");
    EXPECT_EQ(norm("max_message_size", "1G"), "1073741824");
    EXPECT_EQ(norm("max_message_size", "2mb"), "2097152");
    EXPECT_EQ(norm("max_message_size", "1234"), "1234");
    EXPECT_FALSE(norm("max_message_size", "-1"));
    EXPECT_FALSE(norm("max_message_size", "10T"));
    EXPECT_FALSE(norm("max_message_size", "M"));
    EXPECT_FALSE(norm("max_message_size", ""));
    EXPECT_FALSE(norm("max_message_size", "99999999999999999999G"));
}

TEST(Settings, Int) {
    EXPECT_EQ(norm("smtp_recipient_limit", "50"), "50");
    EXPECT_FALSE(norm("smtp_recipient_limit", "5x"));
    EXPECT_FALSE(norm("smtp_recipient_limit", "-5"));
    EXPECT_FALSE(norm("smtp_recipient_limit", "10M"));
}

TEST(Settings, Networks) {
    EXPECT_EQ(norm("relay_from", "10.0.0.0/8, 192.168.1.7  ::1 fe80::/10"),
              "10.0.0.0/8,192.168.1.7,::1,fe80::/10");
    EXPECT_EQ(norm("relay_from", ""), "");
    std::string err;
    EXPECT_FALSE(norm("relay_from", "10.0.0.0/8,nonsense", &err));
    EXPECT_NE(err.find("nonsense"), std::string::npos);
    EXPECT_FALSE(norm("trusted_networks", "10.0.0.0/33"));
}

TEST(Settings, Address) {
    EXPECT_EQ(norm("always_bcc", "Archive@Example.ORG"), "Archive@example.org");
    EXPECT_EQ(norm("always_bcc", ""), "");
    EXPECT_FALSE(norm("always_bcc", "archive"));
    EXPECT_FALSE(norm("always_bcc", "a@b@"));
    EXPECT_FALSE(norm("always_bcc", "x@localhost"));
}

TEST(Settings, StringRejectsControlCharacters) {
    EXPECT_EQ(norm("helo_name", "mx.example.org"), "mx.example.org");
    EXPECT_FALSE(norm("helo_name", "a\nb"));
    EXPECT_EQ(norm("recipient_delimiter", "+-"), "+-");
    EXPECT_EQ(norm("recipient_delimiter", ""), "");
    EXPECT_FALSE(norm("recipient_delimiter", "@"));
}

TEST(Settings, UnknownKey) {
    EXPECT_EQ(find_setting("nope"), nullptr);
}

}  // namespace
}  // namespace magpie::store
