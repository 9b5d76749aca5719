// libunbound on Asio: queries run in libunbound's worker thread; its result fd is watched
// by a stream_descriptor and ub_process() delivers answers on the io_context, each
// completing its coroutine on that coroutine's own executor.
#include "dns/resolver.h"

#include <unbound.h>

#include <mutex>
#include <stdexcept>
#include <unordered_set>

#include "core/config.h"

namespace magpie::dns {

namespace asio = net::asio;

namespace {

struct PendingBase {
    virtual ~PendingBase() = default;
    virtual void complete(Answer a) = 0;
    int async_id = 0;
};

template <typename Handler>
struct Pending : PendingBase {
    explicit Pending(Handler h) : handler(std::move(h)) {}
    void complete(Answer a) override {
        auto ex = asio::get_associated_executor(handler);
        asio::post(ex, [h = std::move(handler), a = std::move(a)]() mutable { std::move(h)(std::move(a)); });
    }
    Handler handler;
};

Answer convert(int err, ub_result* r) {
    Answer a;
    if (err != 0 || !r) {
        a.status = Status::TempFail;
        a.error = err ? ub_strerror(err) : "no result";
        return a;
    }
    a.secure = r->secure;
    if (r->bogus) {
        a.status = Status::PermFail;
        a.error = std::string("DNSSEC bogus: ") + (r->why_bogus ? r->why_bogus : "");
    } else if (r->rcode == 3 || r->nxdomain) {
        a.status = Status::NxDomain;
        a.error = "NXDOMAIN";
    } else if (r->rcode == 2) {
        a.status = Status::TempFail;
        a.error = "SERVFAIL";
    } else if (r->rcode != 0) {
        a.status = Status::PermFail;
        a.error = "DNS rcode " + std::to_string(r->rcode);
    } else if (!r->havedata) {
        a.status = Status::NoData;
    } else {
        a.status = Status::Ok;
        for (int i = 0; r->data[i]; ++i) a.rdata.emplace_back(r->data[i], static_cast<size_t>(r->len[i]));
    }
    return a;
}

}  // namespace

struct Resolver::Impl : std::enable_shared_from_this<Impl> {
    explicit Impl(asio::io_context& io) : fd(io) {}
    ~Impl() {
        if (ctx) ub_ctx_delete(ctx);
    }

    ub_ctx* ctx = nullptr;
    asio::posix::stream_descriptor fd;
    std::mutex mu;
    std::unordered_set<PendingBase*> pending;
    bool stopped = false;

    static void on_result(void* data, int err, ub_result* result) {
        auto* p = static_cast<PendingBase*>(data);
        if (current) current->pending.erase(p);
        Answer a = convert(err, result);
        if (result) ub_resolve_free(result);
        p->complete(std::move(a));
        delete p;
    }

    void arm() {
        fd.async_wait(asio::posix::stream_descriptor::wait_read,
                      [self = shared_from_this()](const boost::system::error_code& ec) {
                          if (ec || self->stopped) return;
                          std::unique_lock lock(self->mu);
                          current = self.get();
                          ub_process(self->ctx);
                          current = nullptr;
                          lock.unlock();
                          self->arm();
                      });
    }

    // Set while ub_process runs, so callbacks can forget their pending entry.
    static thread_local Impl* current;
};

thread_local Resolver::Impl* Resolver::Impl::current = nullptr;

Resolver::Resolver(asio::io_context& io, const std::string& forwarder) : impl_(std::make_shared<Impl>(io)) {
    impl_->ctx = ub_ctx_create();
    if (!impl_->ctx) throw std::runtime_error("ub_ctx_create failed");
    ub_ctx_async(impl_->ctx, 1);  // a thread, not a forked process
    if (forwarder.empty()) {
        ub_ctx_resolvconf(impl_->ctx, nullptr);
    } else {
        std::string host = forwarder;
        unsigned short port = 53;
        if (auto hp = parse_host_port(forwarder)) {
            host = hp->host;
            port = hp->port;
        }
        ub_ctx_set_option(impl_->ctx, "do-not-query-localhost:", "no");
        std::string fwd = host + "@" + std::to_string(port);
        if (int rc = ub_ctx_set_fwd(impl_->ctx, fwd.c_str()); rc != 0)
            throw std::runtime_error("DNS resolver " + forwarder + ": " + ub_strerror(rc));
        // libunbound answers RFC 6761 names (test., invalid.) itself; with a configured
        // resolver, its answers win (test setups serve such zones).
        ub_ctx_zone_remove(impl_->ctx, "test.");
        ub_ctx_zone_remove(impl_->ctx, "invalid.");
    }
    impl_->fd.assign(::dup(ub_fd(impl_->ctx)));
    impl_->arm();
}

Resolver::~Resolver() { stop(); }

void Resolver::stop() {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
    boost::system::error_code ec;
    impl_->fd.cancel(ec);
    impl_->fd.close(ec);
    for (auto* p : impl_->pending) {
        ub_cancel(impl_->ctx, p->async_id);
        delete p;  // destroys the handler, and with it the waiting coroutine
    }
    impl_->pending.clear();
}

net::awaitable<Answer> Resolver::query(std::string name, int type) {
    auto impl = impl_;
    return asio::async_initiate<const asio::use_awaitable_t<>, void(Answer)>(
        [impl](auto handler, std::string qname, int qtype) {
            using H = decltype(handler);
            std::lock_guard lock(impl->mu);
            if (impl->stopped) {
                Pending<H>(std::move(handler)).complete(Answer{Status::TempFail, false, {}, "resolver stopped"});
                return;
            }
            auto* p = new Pending<H>(std::move(handler));
            int rc = ub_resolve_async(impl->ctx, qname.c_str(), qtype, 1, p, &Impl::on_result, &p->async_id);
            if (rc != 0) {
                p->complete(Answer{Status::TempFail, false, {}, ub_strerror(rc)});
                delete p;
                return;
            }
            impl->pending.insert(p);
        },
        asio::use_awaitable, std::move(name), type);
}

}  // namespace magpie::dns
