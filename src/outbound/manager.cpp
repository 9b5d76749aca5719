// Outbound queue manager (see manager.h).
#include "outbound/manager.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include "core/fs.h"
#include "core/log.h"
#include "core/strings.h"
#include "dkim/key_store.h"
#include "dkim/signer.h"
#include "mime/address.h"
#include "mime/header.h"
#include "net/blocking.h"
#include "outbound/file_body.h"
#include "outbound/smtp_client.h"
#include "queue/bounce.h"
#include "queue/dsn.h"
#include "queue/queue_admin.h"
#include "queue/queue_file.h"
#include "queue/route.h"
#include "queue/spam_subject.h"
#include "store/router.h"

namespace magpie::outbound {

namespace asio = net::asio;
using net::awaitable;
using net::tcp;

namespace {

constexpr size_t kMaxInFlight = 200;           // messages being attempted at once
constexpr auto kIdleConnection = std::chrono::seconds(5);

int64_t unix_now() { return static_cast<int64_t>(std::time(nullptr)); }

enum class Fate { Sent, Deferred, Bounced };

struct Outcome {
    Fate fate = Fate::Deferred;
    std::string status = "4.0.0";
    std::string text;        // reply or reason
    std::string smtp_reply;  // for the DSN Diagnostic-Code
    std::string relay = "none";  // "host[ip]:port"
    bool peer_dsn = false;   // the next hop took over DSN duties (RFC 3461 §4.1)
};

struct Item {
    int attempts = 0;
    int64_t next = 0;
    bool busy = false;
};

struct PooledClient {
    std::unique_ptr<SmtpClient> client;
    std::chrono::steady_clock::time_point idle_since;
};

Outcome outcome(Fate fate, std::string status, std::string text) {
    Outcome o;
    o.fate = fate;
    o.status = std::move(status);
    o.text = std::move(text);
    return o;
}

}  // namespace

struct Manager::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io, asio::thread_pool& blocking, const Config& cfg, store::SnapshotCache& dir,
         delivery::Agent& agent, dns::Resolver& dns)
        : io(io), blocking(blocking), cfg(cfg), dir(dir), agent(agent), dns(dns), sched(asio::make_strand(io)),
          wake(sched),
          keys(cfg.data_dir + "/dkim"), client_tls(asio::ssl::context::tls_client) {
        client_tls.set_default_verify_paths();
        client_tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                               asio::ssl::context::no_sslv3);
    }

    asio::io_context& io;
    asio::thread_pool& blocking;
    const Config& cfg;
    store::SnapshotCache& dir;
    delivery::Agent& agent;
    dns::Resolver& dns;
    // The scheduler coroutine and every use of `wake` run on this strand: io has several
    // threads, and a steady_timer is not thread-safe (a cancel() racing with async_wait()
    // on another thread could leave the wait pending with its "has waits" flag cleared, so
    // every later submit()'s cancel was a no-op and new mail waited for the 1 s tick).
    asio::strand<asio::io_context::executor_type> sched;
    asio::steady_timer wake;
    dkim::KeyStore keys;
    asio::ssl::context client_tls;
    std::string loaded_ca_file;

    std::mutex mu;
    std::map<std::string, Item> items;
    std::map<std::string, int> active_per_dest;
    std::map<std::string, std::deque<std::shared_ptr<asio::steady_timer>>> slot_waiters;
    std::multimap<std::string, PooledClient> pool;
    size_t in_flight = 0;
    bool stopping = false;
    std::mt19937 rng{std::random_device{}()};

    std::string qdir() const { return cfg.queue_dir(); }

    void submit(const std::string& id) {
        {
            std::lock_guard lock(mu);
            if (stopping) return;
            auto [it, fresh] = items.try_emplace(id);
            if (fresh) {
                if (auto info = queue::read_defer_info(qdir(), id)) {
                    it->second.attempts = info->attempts;
                    it->second.next = info->next_attempt;
                }
            }
        }
        asio::post(sched, [self = shared_from_this()] { self->wake.cancel(); });
    }

    int64_t backoff(const store::Settings& s, int attempts) const {
        int64_t d = std::max<int64_t>(1, s.queue_retry_min);
        for (int i = 1; i < attempts && d < s.queue_retry_max; ++i) d *= 2;
        return std::min(d, std::max<int64_t>(1, s.queue_retry_max));
    }

    void apply_resend_requests() {
        std::vector<std::string> reqs;
        try {
            reqs = queue::pending_resend_requests(qdir());
        } catch (const std::exception&) {
            return;
        }
        if (reqs.empty()) return;
        std::lock_guard lock(mu);
        for (auto& r : reqs) {
            if (r.empty()) {
                for (auto& [id, item] : items) item.next = 0;
            } else if (auto it = items.find(r); it != items.end()) {
                it->second.next = 0;
            }
            queue::clear_resend_request(qdir(), r);
            log::info("qmgr", "resend requested for {}", r.empty() ? "all queued messages" : r);
        }
    }

    awaitable<void> scheduler() {
        auto self = shared_from_this();
        while (!stopping) {
            apply_resend_requests();
            std::vector<std::string> due;
            {
                std::lock_guard lock(mu);
                int64_t now = unix_now();
                for (auto& [id, item] : items) {
                    if (in_flight >= kMaxInFlight) break;
                    if (item.busy || item.next > now) continue;
                    item.busy = true;
                    ++in_flight;
                    due.push_back(id);
                }
                auto idle_limit = std::chrono::steady_clock::now() - kIdleConnection;
                for (auto it = pool.begin(); it != pool.end();) {
                    if (it->second.idle_since < idle_limit) {
                        auto c = std::shared_ptr<SmtpClient>(std::move(it->second.client));
                        asio::co_spawn(io, [c]() -> awaitable<void> { co_await c->quit(); }, asio::detached);
                        it = pool.erase(it);
                    } else {
                        ++it;
                    }
                }
            }
            for (auto& id : due)
                asio::co_spawn(asio::make_strand(io), attempt(self, id), asio::detached);
            wake.expires_after(std::chrono::seconds(1));
            boost::system::error_code ec;
            co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    }

    void finish_item(const std::string& id, bool forget, int attempts, int64_t next) {
        std::lock_guard lock(mu);
        --in_flight;
        auto it = items.find(id);
        if (it == items.end()) return;
        if (forget) {
            items.erase(it);
            return;
        }
        it->second.busy = false;
        it->second.attempts = attempts;
        it->second.next = next;
    }

    void refresh_ca(const store::Settings& s) {
        if (s.tls_ca_file == loaded_ca_file) return;
        std::lock_guard lock(mu);
        if (s.tls_ca_file == loaded_ca_file) return;
        boost::system::error_code ec;
        if (!s.tls_ca_file.empty()) client_tls.load_verify_file(s.tls_ca_file, ec);
        if (ec) log::info("qmgr", "warning: cannot load tls_ca_file {}: {}", s.tls_ca_file, ec.message());
        loaded_ca_file = s.tls_ca_file;
    }

    // What goes out besides the queued bytes: the DKIM-Signature header and the spam
    // subject prefix.
    struct Additions {
        std::string dkim;
        std::optional<mime::HeaderInsertion> subject;
    };

    // DKIM: submitted mail whose From: domain has a signing key (RFC 6376). The signature
    // covers the message as sent, so a flagged message is signed with its subject prefix.
    std::string dkim_header(const queue::Entry& e, const std::string& header_text,
                            const mime::HeaderInsertion* subject) {
        if (e.env.listener != "submission" && e.env.listener != "submissions") return {};
        auto block = mime::parse_header(header_text, 0, 1000);
        auto* from = mime::find_field(block.fields, "from");
        if (!from) return {};
        auto addrs = mime::parse_address_list(from->raw_value);
        std::string domain;
        for (auto& a : addrs)
            if (!a.group_start && !a.group_end && !a.host.empty()) {
                domain = to_lower(a.host);
                break;
            }
        if (domain.empty()) return {};
        try {
            auto key = keys.signing_key(domain);
            if (!key) return {};
            dkim::Signer signer(*key);
            FileBody body(e.path, e.body_offset, e.env.size, "", subject);
            std::string chunk;
            bool more = true;
            while (more) {
                more = body.next(chunk);
                signer.write(chunk);
            }
            return signer.finish();
        } catch (const std::exception& ex) {
            log::info("qmgr", "{}: warning: DKIM signing for {} failed: {}", e.env.id, domain, ex.what());
            return {};
        }
    }

    struct Hop {
        std::string host;
        std::vector<asio::ip::address> addrs;
    };

    // Resolves the next hops of a route; on failure fills `fail` (Fate Deferred/Bounced).
    awaitable<std::vector<Hop>> resolve(const queue::Route& route, Outcome& fail) {
        std::vector<std::string> hosts;
        if (route.kind == queue::Route::Kind::Relay) {
            hosts.push_back(route.host);
        } else {
            auto ans = co_await dns.query(route.domain, dns::MX);
            if (ans.status == dns::Status::NxDomain) {
                fail = outcome(Fate::Bounced, "5.1.2", "Host or domain name not found. Name service error for name=" +
                                                     route.domain + " type=MX: Host not found");
                co_return std::vector<Hop>{};
            }
            if (ans.status == dns::Status::TempFail || ans.status == dns::Status::PermFail) {
                fail = outcome(Fate::Deferred, "4.4.3", "Host or domain name not found. Name service error for name=" +
                                                     route.domain + " type=MX: " + ans.error);
                co_return std::vector<Hop>{};
            }
            if (ans.status == dns::Status::NoData) {
                hosts.push_back(route.domain);  // RFC 5321 §5.1 implicit MX
            } else {
                std::vector<dns::Mx> mxs;
                for (auto& rd : ans.rdata)
                    if (auto mx = dns::decode_mx(rd)) mxs.push_back(*mx);
                if (mxs.size() == 1 && mxs[0].host.empty()) {  // RFC 7505 null MX
                    fail = outcome(Fate::Bounced, "5.1.10",
                            "Domain " + route.domain + " does not accept mail (nullMX)");
                    co_return std::vector<Hop>{};
                }
                std::shuffle(mxs.begin(), mxs.end(), rng);
                std::stable_sort(mxs.begin(), mxs.end(),
                                 [](const dns::Mx& a, const dns::Mx& b) { return a.preference < b.preference; });
                for (auto& mx : mxs) {
                    if (mx.host.empty()) continue;
                    if (iequals(mx.host, cfg.hostname)) {  // RFC 5321 §5.1: we are an MX ourselves
                        fail = outcome(Fate::Bounced, "5.4.6", "mail for " + route.domain + " loops back to myself");
                        co_return std::vector<Hop>{};
                    }
                    hosts.push_back(mx.host);
                }
            }
        }
        std::vector<Hop> hops;
        std::string last_error;
        for (auto& h : hosts) {
            Hop hop{h, {}};
            std::string literal = h;
            if (literal.size() > 2 && literal.front() == '[' && literal.back() == ']')
                literal = literal.substr(1, literal.size() - 2);
            boost::system::error_code ec;
            auto ip = asio::ip::make_address(literal, ec);
            if (!ec) {
                hop.addrs.push_back(ip);
            } else {
                for (int type : {dns::A, dns::AAAA}) {
                    auto ans = co_await dns.query(h, type);
                    if (ans.status != dns::Status::Ok) {
                        if (ans.status != dns::Status::NoData) last_error = h + ": " + ans.error;
                        continue;
                    }
                    for (auto& rd : ans.rdata) {
                        auto text = type == dns::A ? dns::decode_a(rd) : dns::decode_aaaa(rd);
                        if (text) hop.addrs.push_back(asio::ip::make_address(*text, ec));
                    }
                }
            }
            if (!hop.addrs.empty()) hops.push_back(std::move(hop));
        }
        if (hops.empty())
            fail = outcome(Fate::Deferred, "4.4.3",
                    "Host or domain name not found" + (last_error.empty() ? std::string() : ": " + last_error));
        co_return hops;
    }

    std::unique_ptr<SmtpClient> take_pooled(const std::string& key) {
        std::lock_guard lock(mu);
        auto it = pool.find(key);
        if (it == pool.end()) return nullptr;
        auto c = std::move(it->second.client);
        pool.erase(it);
        return c;
    }

    void give_back(const std::string& key, std::unique_ptr<SmtpClient> c) {
        if (!c || !c->usable()) return;
        std::lock_guard lock(mu);
        if (stopping) return;
        pool.emplace(key, PooledClient{std::move(c), std::chrono::steady_clock::now()});
    }

    // A connection slot for `dest`; waiters queue up and are woken one by one by
    // release_slot (the timer only ever fires by being cancelled).
    awaitable<void> acquire_slot(const std::string& dest, int64_t limit) {
        auto ex = co_await asio::this_coro::executor;
        for (;;) {
            auto waiter = std::make_shared<asio::steady_timer>(ex, asio::steady_timer::time_point::max());
            {
                std::lock_guard lock(mu);
                int& n = active_per_dest[dest];
                if (n < std::max<int64_t>(1, limit)) {
                    ++n;
                    co_return;
                }
                slot_waiters[dest].push_back(waiter);
            }
            boost::system::error_code ec;
            co_await waiter->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    }

    void release_slot(const std::string& dest) {
        std::lock_guard lock(mu);
        if (--active_per_dest[dest] <= 0) active_per_dest.erase(dest);
        auto it = slot_waiters.find(dest);
        if (it == slot_waiters.end()) return;
        auto waiter = it->second.front();
        it->second.pop_front();
        if (it->second.empty()) slot_waiters.erase(it);
        // Cancelled on its own executor: the waiter's coroutine owns the timer.
        asio::post(waiter->get_executor(), [waiter] { waiter->cancel(); });
    }

    // Delivers one route's targets of an entry; returns an outcome per target.
    awaitable<std::vector<Outcome>> deliver_group(const queue::Entry& e, const queue::Route& route,
                                                  const std::vector<size_t>& targets, const store::Settings& s,
                                                  const Additions& add) {
        std::vector<Outcome> out(targets.size());
        Outcome fail;
        auto hops = co_await resolve(route, fail);
        if (hops.empty()) {
            for (auto& o : out) o = fail;
            co_return out;
        }
        std::vector<std::pair<queue::Recipient, std::string>> rcpts;
        for (size_t t : targets) {
            const auto& target = e.env.targets[t];
            queue::Recipient r;
            if (target.rcpt >= 0 && static_cast<size_t>(target.rcpt) < e.env.recipients.size()) {
                r = e.env.recipients[static_cast<size_t>(target.rcpt)];
                // Forwarded or expanded: the original recipient is not the one we send to.
                if (!iequals(r.address, target.name)) r.orcpt = r.orcpt.empty() ? "rfc822;" + r.address : r.orcpt;
            }
            rcpts.emplace_back(r, target.name);
        }
        ClientOptions opts;
        opts.helo = s.helo_name.empty() ? cfg.hostname : s.helo_name;
        opts.tls_required = route.tls_required;
        opts.username = route.username;
        opts.password = route.password;
        opts.connect_timeout = std::chrono::seconds(std::max<int64_t>(1, s.smtp_connect_timeout));
        opts.command_timeout = std::chrono::seconds(std::max<int64_t>(1, s.smtp_command_timeout));

        std::string dest = route.kind == queue::Route::Kind::Mx ? route.domain : route.host;
        co_await acquire_slot(dest, s.smtp_destination_concurrency);
        std::optional<Failure> last;
        bool delivered = false;
        auto ex = co_await asio::this_coro::executor;
        for (auto& hop : hops) {
            for (auto& addr : hop.addrs) {
                tcp::endpoint ep(addr, static_cast<unsigned short>(route.port));
                std::string key = route.key() + "|" + ep.address().to_string();
                auto client = take_pooled(key);
                if (client) {
                    bool alive = co_await client->reset();
                    if (!alive) client.reset();
                }
                if (!client) {
                    client = std::make_unique<SmtpClient>(ex, client_tls);
                    if (auto f = co_await client->open(ep, hop.host, opts)) {
                        last = f;
                        co_await client->quit();
                        if (f->permanent && !f->try_next_host) break;
                        continue;
                    }
                }
                FileBody body(e.path, e.body_offset, e.env.size, add.dkim,
                              add.subject ? &*add.subject : nullptr);
                int64_t size = e.env.size + static_cast<int64_t>(add.dkim.size()) +
                               static_cast<int64_t>(add.subject ? add.subject->text.size() : 0);
                auto tx = co_await client->send(e.env, rcpts, size,
                                                [&body](std::string& chunk) { return body.next(chunk); });
                if (tx.failure && tx.failure->try_next_host && !tx.failure->permanent) {
                    last = tx.failure;
                    co_await client->quit();
                    continue;
                }
                bool peer_dsn = client->caps().has("DSN");
                for (size_t i = 0; i < targets.size(); ++i) {
                    Outcome& o = out[i];
                    o.relay = client->peer();
                    o.peer_dsn = peer_dsn;
                    const Failure* f = tx.failure ? &*tx.failure : tx.rcpt[i] ? &*tx.rcpt[i] : nullptr;
                    if (!f) {
                        o.fate = Fate::Sent;
                        o.status = "2.0.0";
                        o.text = tx.reply;
                    } else {
                        o.fate = f->permanent ? Fate::Bounced : Fate::Deferred;
                        o.status = f->status;
                        o.text = f->diagnostic;
                        o.smtp_reply = f->smtp_reply;
                    }
                }
                give_back(key, std::move(client));
                delivered = true;
                break;
            }
            if (delivered || (last && last->permanent && !last->try_next_host)) break;
        }
        release_slot(dest);
        if (!delivered) {
            Failure f = last.value_or(Failure{false, "4.4.1", "no reachable host", "", true, ""});
            for (auto& o : out) {
                o.fate = f.permanent ? Fate::Bounced : Fate::Deferred;
                o.status = f.status;
                o.text = f.diagnostic;
                o.smtp_reply = f.smtp_reply;
                if (!f.peer.empty()) o.relay = f.peer;
            }
        }
        // A deferral is a 4.x.x status even when the peer's reply said 5.x.x (like Postfix's
        // soft bounce of SASL failures): "Action: delayed" never goes with a 5.x.x.
        for (auto& o : out)
            if (o.fate == Fate::Deferred && !o.status.empty() && o.status[0] == '5') o.status[0] = '4';
        co_return out;
    }

    // Queues a DSN to the envelope sender (RFC 3464) and hands it to local delivery.
    void send_dsn(const queue::Entry& e, std::vector<queue::DsnRecipient> rcpts,
                  const store::Snapshot& snap) {
        std::string original;
        if (e.env.size <= queue::kMaxOriginalForDsn) {
            original = read_range(e.path, e.body_offset, e.env.size);
        } else {
            original = read_range(e.path, e.body_offset, std::min<int64_t>(e.env.size, 1 << 20));
            auto end = original.find("\r\n\r\n");
            original.resize(end == std::string::npos ? original.size() : end + 4);
        }
        std::string id =
            queue::queue_dsn(qdir(), cfg.hostname, e.env, std::move(rcpts), original, snap);
        if (!id.empty()) agent.submit(id);
    }

    static awaitable<void> attempt(std::shared_ptr<Impl> self, std::string id) {
        bool forget = false;
        int attempts = 0;
        int64_t next = 0;
        try {
            co_await self->attempt_inner(id, forget, attempts, next);
        } catch (const std::exception& ex) {
            log::info("qmgr", "{}: delivery attempt failed: {}", id, ex.what());
            auto s = self->dir.get();
            attempts = 1;
            next = unix_now() + self->backoff(s->settings, 1);
        }
        self->finish_item(id, forget, attempts, next);
    }

    awaitable<void> attempt_inner(const std::string& id, bool& forget, int& attempts, int64_t& next) {
        std::string path = queue::active_path(qdir(), id);
        auto entry = co_await net::run_blocking(blocking, [&path] { return queue::read_entry(path); });
        if (!entry) {
            forget = true;  // delivered, deleted by the admin, or unreadable (set aside by the agent)
            co_return;
        }
        auto snap = dir.get();
        const auto& s = snap->settings;
        refresh_ca(s);
        {
            std::lock_guard lock(mu);
            attempts = items[id].attempts;
        }
        std::vector<size_t> pending;
        for (size_t i = 0; i < entry->env.targets.size(); ++i)
            if (entry->env.targets[i].kind == store::Target::Kind::Remote &&
                (i >= entry->target_done.size() || !entry->target_done[i]))
                pending.push_back(i);

        int64_t now = unix_now();
        std::vector<Outcome> outcomes(pending.size());
        bool expired = now - entry->env.arrival > s.queue_lifetime;
        if (expired) {
            auto info = queue::read_defer_info(qdir(), id);
            for (auto& o : outcomes)
                o = outcome(Fate::Bounced, "4.4.7",
                     "message delivery time expired" + (info ? "; last error: " + info->reason : std::string()));
        } else if (!pending.empty()) {
            auto add = co_await net::run_blocking(blocking, [this, &entry, &s]() {
                Additions a;
                int fd = ::open(entry->path.c_str(), O_RDONLY | O_CLOEXEC);
                a.subject = queue::spam_subject_insertion(entry->env, s, fd, entry->body_offset);
                if (fd >= 0) ::close(fd);
                std::string head = read_range(entry->path, entry->body_offset, std::min<int64_t>(entry->env.size, 256 * 1024));
                auto end = head.find("\r\n\r\n");
                if (end != std::string::npos) head.resize(end + 4);
                a.dkim = dkim_header(*entry, head, a.subject ? &*a.subject : nullptr);
                return a;
            });
            std::map<std::string, std::pair<queue::Route, std::vector<size_t>>> groups;
            for (size_t k = 0; k < pending.size(); ++k) {
                auto route = queue::route_for(*snap, entry->env.sender, entry->env.targets[pending[k]].name,
                                              static_cast<int>(s.smtp_outbound_port));
                auto& g = groups[route.key()];
                g.first = route;
                g.second.push_back(k);
            }
            for (auto& [key, g] : groups) {
                std::vector<size_t> idx;
                for (size_t k : g.second) idx.push_back(pending[k]);
                auto res = co_await deliver_group(*entry, g.first, idx, s, add);
                for (size_t j = 0; j < g.second.size(); ++j) outcomes[g.second[j]] = res[j];
            }
        }

        // Record what is final, durably, before anything else happens.
        std::vector<std::pair<size_t, std::string>> done;
        std::vector<queue::DsnRecipient> failed, relayed, delayed;
        bool warn_delay = s.delay_warning_time > 0 && unix_now() - entry->env.arrival >= s.delay_warning_time &&
                          ::access((entry->path + ".warned").c_str(), F_OK) != 0;
        std::string defer_reason;
        double delay = static_cast<double>(unix_now() - entry->env.arrival);
        for (size_t k = 0; k < pending.size(); ++k) {
            const auto& target = entry->env.targets[pending[k]];
            const auto& o = outcomes[k];
            const queue::Recipient* orig = target.rcpt >= 0 && static_cast<size_t>(target.rcpt) < entry->env.recipients.size()
                                               ? &entry->env.recipients[static_cast<size_t>(target.rcpt)]
                                               : nullptr;
            std::string shown = orig ? orig->address : target.name;
            std::string extra = orig && !iequals(orig->address, target.name) ? ", orig_to=<" + orig->address + ">" : "";
            const char* word = o.fate == Fate::Sent ? "sent" : o.fate == Fate::Bounced ? "bounced" : "deferred";
            log::info("smtp", "{}: to=<{}>{}, relay={}, delay={:.0f}, dsn={}, status={} ({})", id, target.name, extra,
                      o.relay, delay, o.status, word, o.text);
            if (o.fate == Fate::Deferred) {
                if (defer_reason.empty()) defer_reason = o.text;
                queue::Recipient none;
                if (warn_delay && queue::dsn_wanted(entry->env, orig ? *orig : none, queue::DsnKind::Delay)) {
                    queue::DsnRecipient d;  // RFC 3464 §2.3.3: action "delayed"
                    d.address = target.name;
                    d.orcpt = orig ? orig->orcpt : "";
                    d.action = "delayed";
                    d.status = o.status;
                    d.remote_mta = o.relay == "none" ? "" : o.relay.substr(0, o.relay.find('['));
                    d.diagnostic = o.smtp_reply.empty() ? "x-magpie; " + o.text : "smtp; " + o.smtp_reply;
                    d.last_attempt = unix_now();
                    delayed.push_back(d);
                }
                continue;
            }
            done.emplace_back(pending[k], o.fate == Fate::Sent ? "sent" : "bounced");
            queue::DsnRecipient d;
            d.address = target.name;
            d.orcpt = orig ? orig->orcpt : "";
            d.status = o.status;
            d.remote_mta = o.relay == "none" ? "" : o.relay.substr(0, o.relay.find('['));
            d.diagnostic = o.smtp_reply.empty() ? "" : "smtp; " + o.smtp_reply;
            d.last_attempt = unix_now();
            queue::Recipient none;
            const queue::Recipient& r = orig ? *orig : none;
            if (o.fate == Fate::Bounced && queue::dsn_wanted(entry->env, r, queue::DsnKind::Failure)) {
                d.action = "failed";
                if (d.diagnostic.empty()) d.diagnostic = "x-magpie; " + o.text;
                failed.push_back(d);
            } else if (o.fate == Fate::Sent && !o.peer_dsn && queue::dsn_wanted(entry->env, r, queue::DsnKind::Success)) {
                d.action = "relayed";  // RFC 3461 §4.1: the next hop does not do DSN
                relayed.push_back(d);
            }
        }
        bool all_done = done.size() == pending.size();
        co_await net::run_blocking(blocking, [&]() {
            if (!done.empty() && !all_done) queue::mark_targets_done(*entry, done);
            if (!failed.empty()) send_dsn(*entry, failed, *snap);
            if (!relayed.empty()) send_dsn(*entry, relayed, *snap);
            if (!delayed.empty() && !all_done) {
                send_dsn(*entry, delayed, *snap);
                fs::write_file_atomic(entry->path + ".warned", "", 0600);
            }
            if (all_done) {
                queue::remove_entry(*entry);
                ::unlink((entry->path + ".defer").c_str());
                ::unlink((entry->path + ".warned").c_str());
                queue::sync_active(qdir());
                log::info("qmgr", "{}: removed", id);
            } else {
                int n = attempts + 1;
                int64_t when = unix_now() + backoff(s, n);
                queue::write_defer_info(qdir(), id, n, when, defer_reason);
            }
            return 0;
        });
        if (all_done) {
            forget = true;
        } else {
            attempts += 1;
            next = unix_now() + backoff(s, attempts);
        }
    }
};

Manager::Manager(asio::io_context& io, asio::thread_pool& blocking, const Config& cfg, store::SnapshotCache& directory,
                 delivery::Agent& agent, dns::Resolver& dns)
    : impl_(std::make_shared<Impl>(io, blocking, cfg, directory, agent, dns)) {}

Manager::~Manager() { stop(); }

void Manager::start() {
    asio::co_spawn(impl_->sched, impl_->scheduler(), asio::detached);
}

void Manager::submit(const std::string& id) { impl_->submit(id); }

bool Manager::holds(const std::string& id) const {
    std::lock_guard lock(impl_->mu);
    return impl_->items.count(id) > 0;
}

void Manager::stop() {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    impl_->pool.clear();
    asio::post(impl_->sched, [self = impl_] { self->wake.cancel(); });
}

}  // namespace magpie::outbound
