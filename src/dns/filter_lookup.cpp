// Runs a batch of filter DNS queries as coroutines on the io_context and waits for them on
// the calling thread; a late answer lands in the abandoned batch and is dropped.
#include "dns/filter_lookup.h"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace magpie::dns {

namespace asio = net::asio;
using filter::DnsReply;
using filter::DnsType;

filter::DnsReply to_filter_reply(const Answer& a, DnsType type) {
    DnsReply r;
    switch (a.status) {
        case Status::Ok:
            r.status = DnsReply::Status::Ok;
            break;
        case Status::NoData:
            r.status = DnsReply::Status::NoData;
            return r;
        case Status::NxDomain:
            r.status = DnsReply::Status::NxDomain;
            return r;
        case Status::TempFail:
            r.status = DnsReply::Status::TempFail;
            return r;
        case Status::PermFail:
            r.status = DnsReply::Status::PermFail;
            return r;
    }
    std::vector<Mx> mxs;
    for (const auto& rd : a.rdata) {
        switch (type) {
            case DnsType::A:
                if (auto v = decode_a(rd)) r.records.push_back(std::move(*v));
                break;
            case DnsType::AAAA:
                if (auto v = decode_aaaa(rd)) r.records.push_back(std::move(*v));
                break;
            case DnsType::TXT:
                if (auto v = decode_txt(rd)) r.records.push_back(std::move(*v));
                break;
            case DnsType::PTR:
                if (auto v = decode_name(rd)) r.records.push_back(std::move(*v));
                break;
            case DnsType::MX:
                if (auto v = decode_mx(rd)) mxs.push_back(std::move(*v));
                break;
        }
    }
    if (type == DnsType::MX) {
        std::stable_sort(mxs.begin(), mxs.end(),
                         [](const Mx& x, const Mx& y) { return x.preference < y.preference; });
        for (auto& m : mxs) r.records.push_back(std::move(m.host));
    }
    // Every record malformed: as good as none.
    if (r.records.empty() && !a.rdata.empty()) r.status = DnsReply::Status::NoData;
    return r;
}

namespace {

struct Batch {
    std::mutex mu;
    std::condition_variable done;
    std::vector<DnsReply> replies;
    size_t left = 0;
};

}  // namespace

filter::DnsLookup make_filter_lookup(Resolver& resolver, asio::io_context& io,
                                     std::chrono::milliseconds budget) {
    auto deadline = std::chrono::steady_clock::now() + budget;
    return [&resolver, &io, deadline](const std::vector<filter::DnsQuery>& queries) {
        auto batch = std::make_shared<Batch>();
        batch->replies.resize(queries.size());
        if (queries.empty() || std::chrono::steady_clock::now() >= deadline) return batch->replies;
        batch->left = queries.size();
        for (size_t i = 0; i < queries.size(); ++i) {
            std::string name = queries[i].name;
            DnsType type = queries[i].type;
            asio::co_spawn(
                io,
                [&resolver, batch, i, name = std::move(name), type]() -> net::awaitable<void> {
                    Answer a = co_await resolver.query(name, static_cast<int>(type));
                    DnsReply r = to_filter_reply(a, type);
                    std::lock_guard lock(batch->mu);
                    batch->replies[i] = std::move(r);
                    if (--batch->left == 0) batch->done.notify_all();
                },
                asio::detached);
        }
        std::unique_lock lock(batch->mu);
        batch->done.wait_until(lock, deadline, [&] { return batch->left == 0; });
        return batch->replies;  // a copy: late answers may still write into the batch
    };
}

}  // namespace magpie::dns
