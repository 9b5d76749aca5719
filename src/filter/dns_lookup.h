// The synchronous DNS interface the filter's network checks (SPF, DKIM, DMARC, DNSBL,
// URIBL) use on the blocking pool. The server implements it over its asynchronous
// resolver with a deadline; unit tests implement it over a map of test records.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace magpie::filter {

enum class DnsType { A = 1, PTR = 12, MX = 15, TXT = 16, AAAA = 28 };

struct DnsQuery {
    std::string name;  // no trailing dot
    DnsType type = DnsType::A;
};

struct DnsReply {
    enum class Status { Ok, NoData, NxDomain, TempFail, PermFail } status = Status::TempFail;
    // Decoded records: A "192.0.2.1", AAAA "2001:db8::1" (RFC 5952), MX the exchange host
    // (lower case, no trailing dot, in preference order), TXT the strings of one record
    // joined, PTR the target name.
    std::vector<std::string> records;
};

// Answers a batch of queries, one reply per query in the same order. The queries of a batch
// run concurrently; a query without an answer by the implementation's deadline is TempFail.
using DnsLookup = std::function<std::vector<DnsReply>(const std::vector<DnsQuery>&)>;

}  // namespace magpie::filter
