// Fuzzes SPF (RFC 7208): check() over a fake DNS read from the input, and the record and
// macro parsers over the raw input. The first line is "<ip> <sender or <>> <helo>"; each
// further line is "<name> <TXT|A|AAAA|MX|PTR> <data>", data "!temp" / "!perm" making that
// query fail, or "!short" for batches answered one reply short. Checks that the §4.6.4 limits bound
// the DNS queries and that the outcome is consistent. Must never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "filter/spf.h"
#include "filter/spf_macro.h"
#include "filter/spf_record.h"

namespace {

using namespace magpie::filter;

// 1 TXT, then at most 10 DNS-querying terms of at most 11 queries (mx or ptr: the name
// lookup and 10 address lookups), the PTR validation of %{p} once, and the exp= TXT.
constexpr size_t kMaxQueries = 1 + 10 * 11 + 11 + 1;

struct Entry {
    std::string name;
    DnsType type;
    std::string data;
};

std::vector<std::string_view> split_lines(std::string_view in) {
    std::vector<std::string_view> lines;
    while (!in.empty()) {
        auto nl = in.find('\n');
        lines.push_back(in.substr(0, nl));
        if (nl == std::string_view::npos) break;
        in.remove_prefix(nl + 1);
    }
    return lines;
}

std::string_view next_field(std::string_view& s) {
    auto sp = s.find(' ');
    auto field = s.substr(0, sp);
    s = sp == std::string_view::npos ? std::string_view() : s.substr(sp + 1);
    return field;
}

bool parse_type(std::string_view t, DnsType& out) {
    if (t == "TXT")
        out = DnsType::TXT;
    else if (t == "A")
        out = DnsType::A;
    else if (t == "AAAA")
        out = DnsType::AAAA;
    else if (t == "MX")
        out = DnsType::MX;
    else if (t == "PTR")
        out = DnsType::PTR;
    else
        return false;
    return true;
}

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto lines = split_lines(in);

    spf::Request req{"192.0.2.1", "user@example.com", "mail.example.com", "mx.example.net"};
    if (!lines.empty()) {
        std::string_view first = lines[0];
        if (auto ip = next_field(first); !ip.empty()) req.ip = std::string(ip);
        if (auto sender = next_field(first); !sender.empty())
            req.sender = sender == "<>" ? "" : std::string(sender);
        if (!first.empty()) req.helo = std::string(first);
    }
    std::vector<Entry> zone;
    bool short_replies = false;
    for (size_t i = 1; i < lines.size(); ++i) {
        std::string_view l = lines[i];
        if (l == "!short") short_replies = true;
        Entry e;
        e.name = std::string(next_field(l));
        if (!parse_type(next_field(l), e.type)) continue;
        e.data = std::string(l);
        zone.push_back(std::move(e));
    }

    size_t queries = 0;
    DnsLookup dns = [&](const std::vector<DnsQuery>& batch) {
        queries += batch.size();
        std::vector<DnsReply> out;
        for (const auto& q : batch) {
            DnsReply r;
            bool name_known = false;
            r.status = DnsReply::Status::NoData;
            for (const auto& e : zone) {
                if (!iequal(e.name, q.name)) continue;
                name_known = true;
                if (e.type != q.type) continue;
                if (e.data == "!temp" || e.data == "!perm") {
                    r.status =
                        e.data == "!temp" ? DnsReply::Status::TempFail : DnsReply::Status::PermFail;
                    r.records.clear();
                    break;
                }
                r.status = DnsReply::Status::Ok;
                r.records.push_back(e.data);
            }
            if (!name_known) r.status = DnsReply::Status::NxDomain;
            out.push_back(std::move(r));
        }
        // With a "!short" line every batch comes back one reply short (read as TempFail).
        if (short_replies && !out.empty()) out.pop_back();
        return out;
    };

    auto o = spf::check(req, dns);
    if (queries > kMaxQueries) __builtin_trap();
    if (spf::result_name(o.result).empty()) __builtin_trap();
    if (!o.explanation.empty() && o.result != spf::Result::Fail) __builtin_trap();
    bool error = o.result == spf::Result::TempError || o.result == spf::Result::PermError;
    if (!o.problem.empty() && !error) __builtin_trap();
    if (!o.mechanism.empty() && (error || o.result == spf::Result::None)) __builtin_trap();

    // The raw input as a record, and each line as a domain-spec and an explanation.
    std::string error_text;
    (void)spf::parse_record(in, &error_text);
    (void)spf::parse_record("v=spf1 " + std::string(in), &error_text);
    auto value = [](char c) { return std::string(c == 'l' ? "a-b+c=d" : "x.example.com"); };
    for (auto line : lines) {
        if (auto m = spf::parse_domain_spec(line, &error_text)) (void)spf::expand(*m, value);
        if (auto m = spf::parse_macro_string(line, spf::MacroContext::Explanation, nullptr))
            (void)spf::expand(*m, value);
    }
    return 0;
}
