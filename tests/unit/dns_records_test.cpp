// Unit tests for DNS RDATA decoding.
#include <gtest/gtest.h>

#include "dns/records.h"

using namespace magpie::dns;

TEST(DnsRecords, Mx) {
    std::string rd("\x00\x0a\x02mx\x07" "Example\x03org\x00", 18);
    auto mx = decode_mx(rd);
    ASSERT_TRUE(mx);
    EXPECT_EQ(mx->preference, 10);
    EXPECT_EQ(mx->host, "mx.example.org");
    auto null_mx = decode_mx(std::string("\x00\x00\x00", 3));  // RFC 7505
    ASSERT_TRUE(null_mx);
    EXPECT_EQ(null_mx->host, "");
    EXPECT_FALSE(decode_mx(std::string("\x00\x0a\x05mx", 5)));            // label runs past the end
    EXPECT_FALSE(decode_mx(std::string("\x00\x0a\xc0\x0c", 4)));          // compression pointer
    EXPECT_FALSE(decode_mx(std::string("\x00\x0a\x00trailing", 11)));     // bytes after the name
}

TEST(DnsRecords, AddressesAndTxt) {
    EXPECT_EQ(decode_a(std::string("\x7f\x00\x00\x01", 4)), "127.0.0.1");
    EXPECT_FALSE(decode_a("abc"));
    std::string v6(16, '\0');
    v6[15] = 1;
    EXPECT_EQ(decode_aaaa(v6), "::1");
    EXPECT_EQ(decode_txt(std::string("\x05v=spf\x07" "1 -all ", 14)), "v=spf1 -all ");
    EXPECT_FALSE(decode_txt(std::string("\x09short", 6)));
    EXPECT_EQ(decode_name(std::string("\x01" "a\x01" "b\x00", 5)), "a.b");
}
