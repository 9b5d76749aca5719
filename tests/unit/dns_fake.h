// A DnsLookup over an in-memory map of test records, for the DMARC and DNSBL tests:
// unknown names answer NXDOMAIN; every query asked is recorded, batch by batch.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "filter/dns_lookup.h"

namespace dns_test {

using magpie::filter::DnsLookup;
using magpie::filter::DnsQuery;
using magpie::filter::DnsReply;
using magpie::filter::DnsType;

struct FakeDns {
    std::map<std::pair<std::string, DnsType>, DnsReply> answers;
    std::vector<std::vector<DnsQuery>> batches;

    void set(const std::string& name, DnsType type, std::vector<std::string> records) {
        answers[{name, type}] = {DnsReply::Status::Ok, std::move(records)};
    }
    void fail(const std::string& name, DnsType type, DnsReply::Status status) {
        answers[{name, type}] = {status, {}};
    }
    size_t queries() const {
        size_t n = 0;
        for (const auto& b : batches) n += b.size();
        return n;
    }
    DnsLookup lookup() {
        return [this](const std::vector<DnsQuery>& qs) {
            batches.push_back(qs);
            std::vector<DnsReply> out;
            for (const auto& q : qs) {
                auto it = answers.find({q.name, q.type});
                out.push_back(it != answers.end() ? it->second
                                                  : DnsReply{DnsReply::Status::NxDomain, {}});
            }
            return out;
        };
    }
};

}  // namespace dns_test
