// DNS blocklist queries (RFC 5782): list settings, query names for IPv4 and IPv6 (§2.1,
// §2.4), listed answers, and the one concurrent batch that checks the client address and
// the message's link domains. Limits: at most kMaxQueries queries per message.
#include "filter/dnsbl.h"

#include <charconv>
#include <cmath>
#include <unordered_set>

#include "core/cidr.h"
#include "core/strings.h"
#include "filter/domain_name.h"
#include "filter/ip_scope.h"

namespace magpie::filter::dnsbl {
namespace {

constexpr size_t kMaxQueries = 256;
constexpr size_t kMaxNameOctets = 253;

// "zen.spamhaus.org" -> "ZEN_SPAMHAUS_ORG".
std::string zone_symbol(std::string_view zone) {
    std::string out;
    for (char c : zone) {
        if (c == '.' || c == '-')
            out += '_';
        else
            out += c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
    }
    return out;
}

// The first answer that marks a listing, or "".
std::string listed_answer(const DnsReply& reply) {
    if (reply.status != DnsReply::Status::Ok) return {};
    static const Cidr loopback = *Cidr::parse("127.0.0.0/8");
    static const Cidr errors = *Cidr::parse("127.255.255.0/24");
    for (const auto& r : reply.records) {
        auto ip = IpAddr::parse(r);
        if (!ip || !ip->v4 || !loopback.contains(*ip) || errors.contains(*ip)) continue;
        std::string s = ip->str();
        if (s != "127.0.0.1") return s;
    }
    return {};
}

}  // namespace

std::vector<List> parse_lists(std::string_view setting, double default_score) {
    // "zone = 2" is read as "zone=2": white space around '=' does not separate entries.
    std::string text;
    for (size_t i = 0; i < setting.size(); ++i) {
        char c = setting[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            size_t j = setting.find_first_not_of(" \t\r\n", i);
            bool next_eq = j != std::string_view::npos && setting[j] == '=';
            bool prev_eq = !text.empty() && text.back() == '=';
            if (next_eq || prev_eq) continue;
        }
        text += c;
    }
    std::vector<List> out;
    std::unordered_set<std::string> seen;
    for (const auto& entry : split_list(text, ", \t\r\n")) {
        size_t eq = entry.find('=');
        List l;
        l.zone = normalise_domain(std::string_view(entry).substr(0, eq));
        l.score = default_score;
        if (l.zone.empty() || l.zone.find('.') == std::string::npos) continue;
        if (eq != std::string::npos) {
            std::string_view s = std::string_view(entry).substr(eq + 1);
            if (s.starts_with('+')) s.remove_prefix(1);
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), l.score);
            if (s.empty() || ec != std::errc() || end != s.data() + s.size() ||
                !std::isfinite(l.score))
                continue;
        }
        if (seen.insert(l.zone).second) out.push_back(std::move(l));
    }
    return out;
}

std::string ip_query_name(std::string_view ip, std::string_view zone) {
    auto a = IpAddr::parse(ip);
    if (!a || zone.empty()) return {};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    if (a->v4) {  // RFC 5782 §2.1: the octets reversed (IPv4-mapped IPv6 included)
        for (int i = 15; i >= 12; --i) out += std::to_string(a->bytes[i]) + '.';
    } else {  // §2.4: the 32 nibbles reversed
        for (int i = 15; i >= 0; --i) {
            out += kHex[a->bytes[i] & 0xf];
            out += '.';
            out += kHex[a->bytes[i] >> 4];
            out += '.';
        }
    }
    if (zone.ends_with('.')) zone.remove_suffix(1);
    out += zone;
    return out.size() <= kMaxNameOctets ? out : std::string();
}

bool is_listed(const DnsReply& reply) {
    return !listed_answer(reply).empty();
}

void check(std::string_view client_ip, const std::vector<List>& ip_lists,
           const std::vector<std::string>& link_names, const std::vector<List>& uri_lists,
           const DnsLookup& dns, Verdict& v) {
    struct Pending {
        std::string rule;
        double score;
        std::string name;
    };
    std::vector<DnsQuery> queries;
    std::vector<Pending> pending;
    std::unordered_set<std::string> asked;
    auto add = [&](std::string qname, std::string_view prefix, const List& l,
                   std::string_view name) {
        if (qname.empty() || qname.size() > kMaxNameOctets || queries.size() >= kMaxQueries ||
            !asked.insert(qname).second)
            return;
        queries.push_back({std::move(qname), DnsType::A});
        pending.push_back({std::string(prefix) + zone_symbol(l.zone), l.score, std::string(name)});
    };

    // Loopback clients are looked up too: one not in relay_from is filtered like any other,
    // and that is how a blocklist setup is tried out on the machine (RFC 5782 §5).
    static const Cidr loopback4 = *Cidr::parse("127.0.0.0/8"), loopback6 = *Cidr::parse("::1/128");
    if (auto ip = IpAddr::parse(client_ip);
        ip && (is_global_unicast(*ip) || loopback4.contains(*ip) || loopback6.contains(*ip))) {
        std::string text = ip->str();
        for (const auto& l : ip_lists) add(ip_query_name(text, l.zone), "RBL_", l, text);
    }
    for (const auto& name : link_names) {
        // An IP-literal link is looked up by its reversed address, like a client address.
        if (auto ip = IpAddr::parse(name)) {
            if (!is_global_unicast(*ip)) continue;
            std::string text = ip->str();
            for (const auto& l : uri_lists) add(ip_query_name(text, l.zone), "URIBL_", l, text);
            continue;
        }
        std::string host = normalise_domain(name);
        if (host.empty()) continue;
        for (const auto& l : uri_lists) add(host + "." + l.zone, "URIBL_", l, host);
    }
    if (queries.empty()) return;

    // One hit per list, as Rspamd scores a list once however many links it names.
    std::vector<DnsReply> replies = dns(queries);
    std::unordered_set<std::string> fired;
    for (size_t i = 0; i < pending.size() && i < replies.size(); ++i) {
        std::string answer = listed_answer(replies[i]);
        if (answer.empty() || !fired.insert(pending[i].rule).second) continue;
        v.add(std::move(pending[i].rule), pending[i].score, pending[i].name + ":" + answer);
    }
}

}  // namespace magpie::filter::dnsbl
