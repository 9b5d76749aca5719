// The resolver answers as the filter's DNS checks see them (dns/filter_lookup.h).
#include <gtest/gtest.h>

#include "dns/filter_lookup.h"

namespace magpie::dns {
namespace {

using filter::DnsReply;
using filter::DnsType;

std::string wire_name(std::string_view dotted) {
    std::string out;
    size_t pos = 0;
    while (pos < dotted.size()) {
        size_t dot = dotted.find('.', pos);
        if (dot == std::string_view::npos) dot = dotted.size();
        out += static_cast<char>(dot - pos);
        out += dotted.substr(pos, dot - pos);
        pos = dot + 1;
    }
    return out + '\0';
}

Answer answer(Status st, std::vector<std::string> rdata = {}) {
    Answer a;
    a.status = st;
    a.rdata = std::move(rdata);
    return a;
}

std::string mx(int pref, std::string_view host) {
    return std::string{static_cast<char>(pref >> 8), static_cast<char>(pref & 0xff)} +
           wire_name(host);
}

TEST(DnsFilterLookup, StatusesMapOneToOne) {
    EXPECT_EQ(to_filter_reply(answer(Status::NxDomain), DnsType::A).status,
              DnsReply::Status::NxDomain);
    EXPECT_EQ(to_filter_reply(answer(Status::NoData), DnsType::A).status, DnsReply::Status::NoData);
    EXPECT_EQ(to_filter_reply(answer(Status::TempFail), DnsType::TXT).status,
              DnsReply::Status::TempFail);
    EXPECT_EQ(to_filter_reply(answer(Status::PermFail), DnsType::MX).status,
              DnsReply::Status::PermFail);
}

TEST(DnsFilterLookup, RecordsAreDecoded) {
    Answer a = answer(Status::Ok, {std::string("\x7f\x00\x00\x02", 4)});
    auto r = to_filter_reply(a, DnsType::A);
    ASSERT_EQ(r.status, DnsReply::Status::Ok);
    EXPECT_EQ(r.records, std::vector<std::string>{"127.0.0.2"});

    Answer t = answer(Status::Ok, {std::string("\x07v=spf1 \x04-all", 13)});
    EXPECT_EQ(to_filter_reply(t, DnsType::TXT).records, std::vector<std::string>{"v=spf1 -all"});
}

TEST(DnsFilterLookup, MxHostsComeInPreferenceOrder) {
    Answer a = answer(Status::Ok, {mx(20, "b.example"), mx(10, "a.example"), mx(20, "c.example")});
    auto r = to_filter_reply(a, DnsType::MX);
    EXPECT_EQ(r.records, (std::vector<std::string>{"a.example", "b.example", "c.example"}));
}

TEST(DnsFilterLookup, MalformedRecordsAreNoData) {
    Answer a = answer(Status::Ok, {std::string("\x01\x02", 2)});
    auto r = to_filter_reply(a, DnsType::A);
    EXPECT_EQ(r.status, DnsReply::Status::NoData);
    EXPECT_TRUE(r.records.empty());
}

}  // namespace
}  // namespace magpie::dns
