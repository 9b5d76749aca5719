// Password hashing and authentication against a directory snapshot.
#include "auth/password.h"

#include <gtest/gtest.h>

#include "auth/authenticator.h"

namespace magpie::auth {
namespace {

TEST(Password, HashAndVerify) {
    auto h = hash_password("s3cret pass");
    EXPECT_EQ(h.rfind("$y$", 0), 0u) << h;
    EXPECT_TRUE(verify_password("s3cret pass", h));
    EXPECT_FALSE(verify_password("s3cret pasS", h));
    EXPECT_FALSE(verify_password("", h));
    EXPECT_NE(hash_password("s3cret pass"), h);  // fresh salt
}

TEST(Password, BadHashes) {
    EXPECT_FALSE(verify_password("x", ""));
    EXPECT_FALSE(verify_password("x", "*"));
    EXPECT_FALSE(verify_password("x", "!locked"));
    EXPECT_FALSE(verify_password("x", "$y$garbage"));
}

TEST(Password, OtherCryptSchemes) {
    // SHA-512 crypt of "password" with salt "saltsalt" (glibc/libxcrypt $6$).
    const std::string h =
        "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq."
        "qc.eoxqOmSuNp2xS0ktL3nh/";
    EXPECT_TRUE(verify_password("password", h));
    EXPECT_FALSE(verify_password("Password", h));
}

TEST(Authenticate, LoginForms) {
    store::Snapshot s;
    s.domains["example.org"] = {"example.org", true, false, {}, ""};
    s.domains["nousers.org"] = {"nousers.org", false, false, {}, ""};
    s.users["alice"] = {"alice", hash_password("pw"), false, {}, true};
    s.users["bob"] = {"bob", hash_password("pw"), true, {}, true};
    s.users["carol"] = {"carol", "", false, {}, true};

    EXPECT_EQ(authenticate(s, "alice", "pw"), "alice");
    EXPECT_EQ(authenticate(s, "ALICE", "pw"), "alice");
    EXPECT_EQ(authenticate(s, "alice@Example.org", "pw"), "alice");
    EXPECT_EQ(authenticate(s, "alice", "nope"), std::nullopt);
    EXPECT_EQ(authenticate(s, "alice@nousers.org", "pw"), std::nullopt);
    EXPECT_EQ(authenticate(s, "alice@remote.net", "pw"), std::nullopt);
    EXPECT_EQ(authenticate(s, "bob", "pw"), std::nullopt);  // disabled
    EXPECT_EQ(authenticate(s, "carol", ""), std::nullopt);  // no password
    EXPECT_EQ(authenticate(s, "dave", "pw"), std::nullopt);
}

}  // namespace
}  // namespace magpie::auth
