// Per-domain DKIM key files and the service layer's DKIM operations.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "admin/service.h"
#include "dkim/key_store.h"
#include "dkim/signer.h"
#include "dkim/verifier.h"

using namespace magpie;

namespace {

class DkimStore : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("magpie-dkim-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_;
};

int mode_of(const std::string& path) {
    struct stat st {};
    ::stat(path.c_str(), &st);
    return st.st_mode & 0777;
}

}  // namespace

TEST_F(DkimStore, EnsureLoadRotateEnable) {
    dkim::KeyStore ks(dir_.string() + "/dkim");
    EXPECT_FALSE(ks.load("example.org"));
    auto k1 = ks.ensure("Example.ORG");
    EXPECT_EQ(k1.type(), dkim::KeyType::Rsa);
    auto path = ks.key_path("example.org");
    EXPECT_EQ(path, dir_.string() + "/dkim/example.org/default.key");
    EXPECT_EQ(mode_of(path), 0600);
    EXPECT_EQ(ks.ensure("example.org").public_key_base64(), k1.public_key_base64());

    auto k2 = ks.rotate("example.org", dkim::KeyType::Ed25519);
    EXPECT_EQ(ks.load("example.org")->type(), dkim::KeyType::Ed25519);
    EXPECT_TRUE(std::filesystem::exists(path + ".old"));

    EXPECT_TRUE(ks.enabled("example.org"));
    ASSERT_TRUE(ks.signing_key("example.org"));
    EXPECT_EQ(ks.signing_key("example.org")->selector, "default");
    ks.set_enabled("example.org", false);
    EXPECT_FALSE(ks.enabled("example.org"));
    EXPECT_FALSE(ks.signing_key("example.org"));
    ks.set_enabled("example.org", true);
    EXPECT_TRUE(ks.signing_key("example.org"));
    EXPECT_THROW(ks.key_path("../etc"), std::runtime_error);
}

TEST_F(DkimStore, ServiceMakesKeyOnDomainAdd) {
    admin::Service svc(dir_.string() + "/magpie.db");
    ASSERT_TRUE(svc.add_domain("example.org").ok());
    EXPECT_TRUE(std::filesystem::exists(dir_ / "dkim/example.org/default.key"));

    auto info = svc.dkim_show("example.org");
    ASSERT_TRUE(info.ok()) << info.message;
    EXPECT_EQ(info.value.selector, "default");
    EXPECT_EQ(info.value.algorithm, "rsa");
    EXPECT_TRUE(info.value.enabled);
    EXPECT_TRUE(info.value.txt_record.starts_with("v=DKIM1; k=rsa; p=MIIB"));
    EXPECT_TRUE(info.value.zone_line.starts_with("default._domainkey.example.org. IN TXT ("));
    EXPECT_EQ(info.value.dns_name, "default._domainkey.example.org");

    ASSERT_TRUE(svc.dkim_set_enabled("example.org", false).ok());
    EXPECT_FALSE(svc.dkim_show("example.org").value.enabled);
    EXPECT_FALSE(svc.dkim_signing_key("example.org").value);

    auto rotated = svc.dkim_rotate("example.org", dkim::KeyType::Ed25519);
    ASSERT_TRUE(rotated.ok()) << rotated.message;
    EXPECT_EQ(rotated.value.algorithm, "ed25519");
    EXPECT_NE(rotated.value.txt_record, info.value.txt_record);

    EXPECT_EQ(svc.dkim_show("nope.example").code, admin::Errc::NotFound);
    EXPECT_EQ(svc.dkim_set_enabled("nope.example", true).code, admin::Errc::NotFound);
}

TEST_F(DkimStore, ServiceCreatesMissingKeyLazily) {
    admin::Service svc(dir_.string() + "/magpie.db");
    ASSERT_TRUE(svc.add_domain("example.org").ok());
    std::filesystem::remove_all(dir_ / "dkim");
    auto info = svc.dkim_show("example.org");
    ASSERT_TRUE(info.ok()) << info.message;
    EXPECT_TRUE(std::filesystem::exists(dir_ / "dkim/example.org/default.key"));

    // And the key signs mail that verifies against the shown record.
    auto key = svc.dkim_signing_key("example.org");
    ASSERT_TRUE(key.ok()) << key.message;
    ASSERT_TRUE(key.value);
    std::string msg = "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n";
    auto signed_msg = dkim::sign(msg, *key.value) + msg;
    auto r = dkim::verify(signed_msg, [&](std::string name) {
        EXPECT_EQ(name, "default._domainkey.example.org");
        return std::optional(std::vector<std::string>{info.value.txt_record});
    });
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].verdict, dkim::Verdict::Pass) << r[0].reason;
}
