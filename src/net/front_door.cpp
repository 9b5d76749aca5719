// The front door: listeners, admission, refusals, and the pause when descriptors run out.
#include "net/front_door.h"

#include <sys/resource.h>

#include <cerrno>

#include "core/config.h"
#include "core/log.h"
#include "net/peer.h"

namespace magpie::net {

int64_t raise_open_file_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
    constexpr rlim_t kCap = 1 << 20;
    rlim_t want = rl.rlim_max == RLIM_INFINITY ? kCap : std::min(rl.rlim_max, kCap);
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want) {
        return static_cast<int64_t>(rl.rlim_cur == RLIM_INFINITY ? kCap : rl.rlim_cur);
    }
    rlimit up = rl;
    up.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &up) == 0) return static_cast<int64_t>(want);
    return static_cast<int64_t>(rl.rlim_cur);
}

struct FrontDoor::Entry {
    Entry(asio::io_context& io, Door d)
        : door(std::move(d)),
          strand(asio::make_strand(io)),
          acceptor(strand),
          pause_timer(strand) {}
    Door door;
    asio::strand<asio::io_context::executor_type> strand;  // the loop and close() run on it
    tcp::acceptor acceptor;
    asio::steady_timer pause_timer;
    AcceptPause pause;
    LogLimiter refusal_log;
    LogLimiter error_log;
};

FrontDoor::FrontDoor(asio::io_context& io, std::function<AdmissionLimits()> limits)
    : io_(io), limits_(std::move(limits)) {}

FrontDoor::~FrontDoor() = default;

void FrontDoor::open(Door door) {
    auto hp = parse_host_port(door.address);
    if (!hp) throw std::runtime_error("bad listen address " + door.address);
    auto ip = asio::ip::make_address(hp->host);
    tcp::endpoint ep(ip, hp->port);
    auto e = std::make_shared<Entry>(io_, std::move(door));
    e->acceptor.open(ep.protocol());
    e->acceptor.set_option(asio::socket_base::reuse_address(true));
    if (ip.is_v6()) e->acceptor.set_option(asio::ip::v6_only(true));
    e->acceptor.bind(ep);
    e->acceptor.listen(asio::socket_base::max_listen_connections);
    entries_.push_back(e);
    asio::co_spawn(e->strand, accept_loop(e), asio::detached);
    log::info("master", "{} listening on {}", e->door.name, e->door.address);
}

void FrontDoor::close() {
    for (auto& e : entries_) {
        asio::post(e->strand, [e] {
            boost::system::error_code ignored;
            e->acceptor.close(ignored);
            e->pause_timer.cancel();
        });
    }
}

namespace {

// Out of descriptors or kernel memory: accepting again at once would fail again at once.
bool resource_exhausted(const boost::system::error_code& ec) {
    if (ec.category() != boost::system::system_category()) return false;
    int v = ec.value();
    return v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM;
}

const char* refusal_text(Refusal r) {
    switch (r) {
        case Refusal::PerIp:
            return "too many connections from one address";
        case Refusal::Total:
            return "too many connections";
        case Refusal::Descriptors:
            return "too many connections for the open-file budget";
        case Refusal::None:
            break;
    }
    return "";
}

}  // namespace

awaitable<void> FrontDoor::accept_loop(std::shared_ptr<Entry> e) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket sock = co_await e->acceptor.async_accept(
            asio::make_strand(io_), asio::redirect_error(asio::use_awaitable, ec));
        if (!e->acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
        if (ec) {
            if (resource_exhausted(ec)) {
                auto pause = e->pause.next(Clock::now());
                log::info("master",
                          "warning: {} on {}: accept failed: {}; accepting paused for {} ms",
                          e->door.name, e->door.address, ec.message(), pause.count());
                e->pause_timer.expires_after(pause);
                boost::system::error_code ignored;
                co_await e->pause_timer.async_wait(
                    asio::redirect_error(asio::use_awaitable, ignored));
                if (!e->acceptor.is_open()) co_return;
            } else {
                // A client that reset before accept (ECONNABORTED) and the like.
                int64_t held = 0;
                if (e->error_log.allow(Clock::now(), held))
                    log::info(
                        "master", "warning: {} on {}: accept failed: {}{}", e->door.name,
                        e->door.address, ec.message(),
                        held ? fmt::format(" (and {} more since the last report)", held) : "");
            }
            continue;
        }
        admit(*e, std::move(sock));
    }
}

void FrontDoor::admit(Entry& e, tcp::socket sock) {
    auto ip = peer_ip(sock);
    if (!ip) return;  // already gone
    AdmissionLimits limits = limits_();
    auto r = admissions_.admit(e.door.cls, *ip, limits);
    if (r.refusal == Refusal::None) {
        e.door.start(std::move(sock), *ip, std::move(r.ticket));
        return;
    }
    std::string line = e.door.refusal ? e.door.refusal(r.refusal, *ip) : std::string();
    if (!line.empty()) {
        // A fresh socket's send buffer takes one short line: never blocks, never waits.
        boost::system::error_code ignored;
        sock.non_blocking(true, ignored);
        sock.write_some(asio::buffer(line), ignored);
    }
    boost::system::error_code ignored;
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
    int64_t held = 0;
    if (e.refusal_log.allow(Clock::now(), held)) {
        const auto& cl = limits.cls[static_cast<size_t>(e.door.cls)];
        log::info(e.door.log_component,
                  "warning: {} ({} class: {} from [{}], {} open; limits {} per address, {} in "
                  "all), rejecting "
                  "[{}]{}",
                  refusal_text(r.refusal), port_class_name(e.door.cls), r.per_ip - 1, *ip,
                  r.open - 1, cl.per_ip, class_capacity(e.door.cls, limits), *ip,
                  held ? fmt::format(" (and {} more refused since the last report)", held) : "");
    }
}

}  // namespace magpie::net
