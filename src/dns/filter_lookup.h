// The filter's synchronous DNS interface (filter/dns_lookup.h) over the server's
// asynchronous resolver, for checks running on the blocking pool. Never call the lookup
// from an io_context thread: it blocks until its answers arrive or the deadline passes.
#pragma once
#include <chrono>

#include "dns/resolver.h"
#include "filter/dns_lookup.h"

namespace magpie::dns {

// Queries of one batch run concurrently on `io`. Every call of the returned lookup shares
// the deadline `now + budget`: once it has passed, unanswered queries are TempFail, so
// one message's checks take at most about `budget` however many lookups they make.
filter::DnsLookup make_filter_lookup(Resolver& resolver, net::asio::io_context& io,
                                     std::chrono::milliseconds budget);

// The decoded form of an answer for filter checks (records of `type` only).
filter::DnsReply to_filter_reply(const Answer& a, filter::DnsType type);

}  // namespace magpie::dns
