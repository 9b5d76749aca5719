// DNS blocklists: the client IP looked up in IP lists (DNSBL, e.g. zen.spamhaus.org) and
// the host names of the message's links in domain lists (URIBL, e.g. dbl.spamhaus.org),
// as Rspamd's rbl and surbl modules do. Pure: DNS goes through the caller's DnsLookup.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "filter/dns_lookup.h"
#include "filter/public_suffix.h"
#include "filter/verdict.h"
#include "mime/parser.h"

namespace magpie::filter::dnsbl {

struct List {
    std::string zone;   // "zen.spamhaus.org"
    double score = 0;
};

// Parses the setting's entries "ZONE=SCORE" (score optional, default `default_score`),
// separated by commas or white space; bad entries are skipped.
std::vector<List> parse_lists(std::string_view setting, double default_score);

// "192.0.2.1" + "zen.example" -> "1.2.0.192.zen.example"; IPv6 by reversed nibbles
// (RFC 5782 §2.4). "" for an unparsable address.
std::string ip_query_name(std::string_view ip, std::string_view zone);

// A listed answer: an A record in 127.0.0.0/8 other than 127.0.0.1 and 127.255.255.0/24
// (Spamhaus's "query refused" / error codes), RFC 5782 §2.1.
bool is_listed(const DnsReply& reply);

// The distinct host names of the links in the message's text and HTML parts (http/https
// URLs, bare www. names), reduced to their registrable domain with the PSL; IP-literal
// hosts are returned as IPs. At most `max` names, in order of first appearance.
std::vector<std::string> link_domains(const mime::Message& msg, std::string_view data,
                                      const PublicSuffixList& psl, size_t max = 32);

// Looks the client IP up in `ip_lists` and the link domains in `uri_lists` in one
// concurrent batch, adding one hit per list that lists something: RBL_<ZONE> for IP lists
// and URIBL_<ZONE> for domain lists (zone upper-cased, dots and dashes as '_'), detail
// "<first listed name>:<answer>". Private and reserved client addresses are not looked up;
// loopback ones are.
void check(std::string_view client_ip, const std::vector<List>& ip_lists,
           const std::vector<std::string>& link_names, const std::vector<List>& uri_lists,
           const DnsLookup& dns, Verdict& v);

}  // namespace magpie::filter::dnsbl
