// `magpie serve`: opens the data folder, starts the delivery agent and every configured
// listener on one io_context with a small thread pool, reloads the directory when it
// changes, and stops cleanly on SIGTERM/SIGINT.
#include "server/serve.h"

#include <csignal>
#include <ctime>
#include <thread>

#include "admin/service.h"
#include "api/api.h"
#include "api/http/server.h"
#include "core/fault.h"
#include "core/fs.h"
#include "core/log.h"
#include "delivery/agent.h"
#include "dns/filter_lookup.h"
#include "dns/resolver.h"
#include "filter/antivirus.h"
#include "filter/antivirus_tmp.h"
#include "filter/bayes_autolearn.h"
#include "filter/bayes_classifier.h"
#include "filter/bayes_rules.h"
#include "filter/pipeline.h"
#include "imap/server.h"
#include "mailbox/registry.h"
#include "net/asio.h"
#include "net/blocking.h"
#include "net/certificate.h"
#include "net/conn_limits.h"
#include "net/front_door.h"
#include "net/registry.h"
#include "outbound/manager.h"
#include "pop3/server.h"
#include "server/junk_expiry.h"
#include "smtp/server.h"
#include "store/directory.h"

namespace magpie::server {

namespace asio = net::asio;
using net::awaitable;
using net::tcp;

namespace {

awaitable<void> reload_loop(store::SnapshotCache& dir, filter::Greylist& greylist, filter::Antivirus& antivirus,
                            std::atomic<bool>& stopping) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    int ticks = 0;
    while (!stopping) {
        if (++ticks % 60 == 0) {
            try {
                greylist.save(std::time(nullptr), dir.get()->settings.greylist_expire);
            } catch (const std::exception& e) {
                log::info("master", "warning: cannot save the greylist: {}", e.what());
            }
        }
        t.expires_after(std::chrono::seconds(1));
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        try {
            if (dir.refresh()) {
                const auto& s = dir.get()->settings;
                antivirus.configure(s.antivirus_official_signatures, s.antivirus_clamd_socket);
                // The generation lets a caller (the test harness, an admin script) wait for the
                // exact change it committed, not for any reload (docs/settings.md).
                log::info("master", "configuration reloaded (generation {})", dir.get()->generation);
            }
        } catch (const std::exception& e) {
            log::info("master", "warning: reload failed: {}", e.what());
        }
    }
}

// Stops accepting, interrupts idle sessions and lets busy ones finish their step (a commit
// in progress completes and is answered), then stops the io_context.
awaitable<void> shutdown_on_signal(asio::signal_set& signals, asio::io_context& io,
                                   net::FrontDoor& front_door, net::SessionRegistry& sessions, std::atomic<bool>& stopping) {
    boost::system::error_code ec;
    int sig = co_await signals.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    log::info("master", "signal {} received, stopping", sig);
    stopping = true;
    front_door.close();
    sessions.interrupt_all();
    asio::steady_timer t(io);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (sessions.size() > 0 && std::chrono::steady_clock::now() < deadline) {
        t.expires_after(std::chrono::milliseconds(50));
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    io.stop();
}

// Every queue_rescan_interval, the delivery agent looks through queue/active for entries
// nobody scheduled (a hand-off lost to a bug) and takes them; see Agent::rescan.
awaitable<void> queue_rescan_loop(store::SnapshotCache& dir, delivery::Agent& agent, asio::thread_pool& blocking,
                                  std::atomic<bool>& stopping) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    auto last = std::chrono::steady_clock::now();
    while (!stopping) {
        t.expires_after(std::chrono::seconds(1));
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        auto every = std::chrono::seconds(std::max<int64_t>(1, dir.get()->settings.queue_rescan_interval));
        if (stopping || std::chrono::steady_clock::now() - last < every) continue;
        last = std::chrono::steady_clock::now();
        co_await net::run_blocking(blocking, [&agent]() {
            try {
                return agent.rescan();
            } catch (const std::exception& e) {
                log::info("local", "warning: queue rescan failed: {}", e.what());
                return size_t{0};
            }
        });
    }
}

// The SMTP RCPT-time quota check answers from the cached usage; a walk that is due runs on
// the blocking pool, never on the I/O thread.
smtp::UsagePeek usage_peek(mailbox::Registry& registry, asio::thread_pool& blocking) {
    return [&registry, &blocking](const std::string& user) -> std::optional<uint64_t> {
        auto cache = registry.usage(user);
        bool walk = false;
        auto usage = cache->peek(&walk);
        if (walk) {
            asio::post(blocking, [cache] {
                try {
                    cache->get();
                } catch (const std::exception& e) {
                    log::info("master", "warning: quota usage walk failed: {}", e.what());
                }
            });
        }
        if (!usage) return std::nullopt;
        return usage->bytes;
    };
}

// The front door's limits from the current settings: each port class's own, and the
// descriptors left for connections once the reserve is set aside.
net::AdmissionLimits admission_limits(const store::Settings& s, int64_t open_files) {
    net::AdmissionLimits l;
    l.cls[static_cast<size_t>(net::PortClass::Mx)] = {s.smtp_max_connections, s.smtp_max_connections_per_ip};
    l.cls[static_cast<size_t>(net::PortClass::Submission)] = {s.submission_max_connections,
                                                              s.submission_max_connections_per_ip};
    l.cls[static_cast<size_t>(net::PortClass::Mail)] = {s.mail_max_connections, s.mail_max_connections_per_ip};
    // The API answers clients over api_max_connections with its own 503; beyond twice that
    // the front door closes them without a word.
    const int64_t api = 2 * s.api_max_connections + 16;
    l.cls[static_cast<size_t>(net::PortClass::Admin)] = {api, api};
    l.fd_budget = std::max<int64_t>(0, open_files - s.open_files_reserve);
    return l;
}

}  // namespace

int serve(const Config& cfg) {
    fs::make_dirs(cfg.data_dir);
    fs::make_dirs(cfg.log_dir());
    fs::make_dirs(cfg.queue_dir());
    log::open_file(cfg.log_dir() + "/maillog");
    log::info("master", "starting Magpie on {} (data {})", cfg.hostname, cfg.data_dir);
    const int64_t open_files = net::raise_open_file_limit();
    log::info("master", "open files limit {}", open_files);

    store::SnapshotCache directory(cfg.db_path());
    log::info("master", "configuration loaded (generation {})", directory.get()->generation);
    auto certs = net::ensure_certificate(cfg);
    asio::ssl::context tls(asio::ssl::context::tls_server);
    tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                    asio::ssl::context::single_dh_use);
    tls.use_certificate_chain_file(certs.cert);
    tls.use_private_key_file(certs.key, asio::ssl::context::pem);

    int threads = cfg.threads > 0 ? cfg.threads : std::max(2u, std::thread::hardware_concurrency());
    asio::io_context io(threads);
    asio::thread_pool blocking(static_cast<size_t>(std::max(4, threads * 2)));
    // Before the agent: its workers use the registry until the agent is destroyed.
    mailbox::Registry registry(cfg.mail_dir(), cfg.hostname);
    delivery::Agent agent(cfg, directory, std::max(2, threads));
    agent.set_delivered_handler([&registry](const std::string& root) { registry.notify(root); });
    agent.set_quota_hooks(
        {[&registry](const std::string& user) { return registry.usage(user)->get().bytes; },
         [&registry](const std::string& user, uint64_t bytes) {
             registry.usage(user)->add(static_cast<int64_t>(bytes), 1);
         }});
    dns::Resolver resolver(io, cfg.dns_resolver);
    outbound::Manager outbound(io, blocking, cfg, directory, agent, resolver);
    agent.set_remote_handler([&outbound](const std::string& id) {
        if (fault::drop_handoff("remote")) {
            log::info("qmgr", "{}: fault injection: hand-off dropped", id);
            return;
        }
        outbound.submit(id);
    });
    agent.set_held_elsewhere([&outbound](const std::string& id) { return outbound.holds(id); });
    outbound.start();
    agent.start();

    std::atomic<bool> stopping{false};
    net::SessionRegistry sessions;
    fs::make_dirs(cfg.data_dir + "/filter");
    filter::Greylist greylist(cfg.data_dir + "/filter/greylist");
    filter::Checks checks;
    checks.greylist = &greylist;
    filter::Bayes bayes(filter::bayes_path(cfg.data_dir));
    filter::AntivirusOptions av_opt;
    av_opt.db_dir = cfg.data_dir + "/clamav";
    av_opt.official = directory.get()->settings.antivirus_official_signatures;
    av_opt.clamd = directory.get()->settings.antivirus_clamd_socket;
    av_opt.tmp_dir = filter::default_scan_tmp_dir(cfg.data_dir);
    log::info("antivirus", "scan temporary folder: {}",
              av_opt.tmp_dir.empty() ? "$TMPDIR" : av_opt.tmp_dir);
    filter::Antivirus antivirus(av_opt);
    antivirus.start();
    // Mail arriving before the signatures are loaded would be deferred: wait for them a while.
    if (!antivirus.wait_ready(std::chrono::seconds(60))) {
        log::info("master", "warning: antivirus signatures still loading; mail is deferred until they are");
    }
    checks.antivirus = [&antivirus](std::string_view data) { return antivirus.scan(data); };
    checks.dns = [&resolver, &io]() {
        return dns::make_filter_lookup(resolver, io, std::chrono::seconds(8));
    };
    checks.scorers.push_back([&bayes](const filter::ScanRequest&, const mime::Message& msg, filter::Verdict& v) {
        filter::add_bayes_hit(v, bayes.classify(msg));
    });
    filter::Autolearner autolearner(bayes);
    checks.after = [&autolearner](const filter::ScanRequest& req, const store::Settings& s, filter::Verdict& v) {
        try {
            if (auto label = autolearner.consider(req.data, v, s, req.authenticated, req.now))
                v.add("BAYES_AUTOLEARN", 0, *label ? "spam" : "ham");
        } catch (const std::exception& e) {
            v.add("BAYES_AUTOLEARN", 0, std::string("failed: ") + e.what());
        }
    };
    smtp::ServerContext ctx{cfg,      directory, agent, sessions, tls, blocking, stopping,
                            usage_peek(registry, blocking), checks};
    auth::LoginThrottle throttle;  // shared by SMTP AUTH, IMAP and POP3 (docs/security.md)
    ctx.throttle = &throttle;
    net::ConnCounter user_conns;
    imap::ServerContext imap_ctx{cfg, directory, registry, user_conns, sessions, tls, blocking, stopping, &bayes};
    // POP3 (docs/pop3.md): STLS on pop3, implicit TLS on pop3s.
    pop3::SizeCache pop3_sizes;
    pop3::ServerContext pop3_ctx{cfg, directory, registry, pop3_sizes, user_conns, sessions, tls, blocking, stopping};
    imap_ctx.throttle = &throttle;
    pop3_ctx.throttle = &throttle;

    // Every listener goes through the one front door (docs/security.md).
    net::FrontDoor front_door(io, [&directory, open_files]() {
        return admission_limits(directory.get()->settings, open_files);
    });
    auto open_doors = [&](const char* name, net::PortClass cls, const char* component, bool implicit_tls,
                          std::function<std::string(net::Refusal, const std::string&)> refusal,
                          std::function<void(tcp::socket, std::string, net::Ticket)> start) {
        auto it = cfg.listen.find(name);
        if (it == cfg.listen.end()) return;
        if (implicit_tls) refusal = nullptr;  // no handshake is spent on a refused client
        for (auto& addr : it->second) {
            net::Door d{name, addr, cls, component, refusal, start};
            front_door.open(std::move(d));
        }
    };
    auto smtp_refusal = [&cfg](net::Refusal r, const std::string& ip) { return smtp::refusal(r, cfg.hostname, ip); };
    auto smtp_start = [&ctx](smtp::Listener kind) {
        return [&ctx, kind](tcp::socket sock, std::string ip, net::Ticket t) {
            auto ex = sock.get_executor();
            asio::co_spawn(ex, smtp::run_session(std::move(sock), kind, ctx, std::move(ip), std::move(t)),
                           asio::detached);
        };
    };
    open_doors("smtp", net::PortClass::Mx, "smtpd", false, smtp_refusal, smtp_start(smtp::Listener::Smtp));
    open_doors("submission", net::PortClass::Submission, "submission", false, smtp_refusal,
               smtp_start(smtp::Listener::Submission));
    open_doors("submissions", net::PortClass::Submission, "submissions", true, smtp_refusal,
               smtp_start(smtp::Listener::Submissions));
    auto imap_refusal = [](net::Refusal r, const std::string&) { return imap::refusal(r); };
    auto imap_start = [&imap_ctx](bool implicit_tls) {
        return [&imap_ctx, implicit_tls](tcp::socket sock, std::string ip, net::Ticket t) {
            auto ex = sock.get_executor();
            asio::co_spawn(ex, imap::run_session(std::move(sock), implicit_tls, imap_ctx, std::move(ip), std::move(t)),
                           asio::detached);
        };
    };
    open_doors("imap", net::PortClass::Mail, "imap-login", false, imap_refusal, imap_start(false));
    open_doors("imaps", net::PortClass::Mail, "imap-login", true, imap_refusal, imap_start(true));
    auto pop3_refusal = [](net::Refusal r, const std::string&) { return pop3::refusal(r); };
    auto pop3_start = [&pop3_ctx](pop3::Listener kind) {
        return [&pop3_ctx, kind](tcp::socket sock, std::string ip, net::Ticket t) {
            auto ex = sock.get_executor();
            asio::co_spawn(ex, pop3::run_session(std::move(sock), kind, pop3_ctx, std::move(ip), std::move(t)),
                           asio::detached);
        };
    };
    open_doors("pop3", net::PortClass::Mail, "pop3-login", false, pop3_refusal, pop3_start(pop3::Listener::Pop3));
    open_doors("pop3s", net::PortClass::Mail, "pop3-login", true, pop3_refusal, pop3_start(pop3::Listener::Pop3s));

    // The admin HTTP API (docs/api.md) on [listen] http and https.
    admin::Service api_service(cfg.db_path());
    api::Api http_api(api_service);
    http_api.usage = [&registry](const std::string& user) -> std::optional<int64_t> {
        return static_cast<int64_t>(registry.usage(user)->get().bytes);
    };
    api::HttpContext http_ctx{http_api, directory, tls, sessions, blocking, stopping};
    auto http_start = [&http_ctx](bool use_tls) {
        return [&http_ctx, use_tls](tcp::socket sock, std::string, net::Ticket t) {
            api::start_connection(std::move(sock), use_tls, http_ctx, std::move(t));
        };
    };
    // Over-limit API clients get the API's own 503 (api_max_connections); the admin class of
    // the front door bounds only its share of the descriptors. Plain HTTP: loopback only.
    if (auto it = cfg.listen.find("http"); it != cfg.listen.end()) {
        for (auto& addr : it->second) {
            if (!api::plain_http_allowed(addr)) {
                log::info("master", "warning: listener http on {} is not a loopback address; plain HTTP "
                          "is only served on loopback (use https), not started", addr);
                continue;
            }
            front_door.open(net::Door{"http", addr, net::PortClass::Admin, "http", nullptr, http_start(false)});
        }
    }
    open_doors("https", net::PortClass::Admin, "http", true, nullptr, http_start(true));

    for (auto& [name, addrs] : cfg.listen) {
        if (name == "http" || name == "https") continue;
        if (name == "smtp" || name == "submission" || name == "submissions") continue;
        if (name == "imap" || name == "imaps" || name == "pop3" || name == "pop3s") continue;
        log::info("master", "warning: listener {} is not available in this version, not started", name);
    }
    asio::co_spawn(io, reload_loop(directory, greylist, antivirus, stopping), asio::detached);
    asio::co_spawn(io, queue_rescan_loop(directory, agent, blocking, stopping), asio::detached);
    asio::co_spawn(io, junk_expiry_loop(cfg, directory, registry, blocking, stopping), asio::detached);

    asio::signal_set signals(io, SIGTERM, SIGINT);
    asio::co_spawn(io, shutdown_on_signal(signals, io, front_door, sessions, stopping), asio::detached);
    std::signal(SIGPIPE, SIG_IGN);

    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([&] { io.run(); });
    io.run();
    for (auto& t : pool) t.join();
    try {
        greylist.save(std::time(nullptr), directory.get()->settings.greylist_expire);
    } catch (const std::exception& e) {
        log::info("master", "warning: cannot save the greylist: {}", e.what());
    }
    outbound.stop();
    antivirus.stop();
    resolver.stop();
    blocking.join();
    agent.stop();
    log::info("master", "stopped");
    return 0;
}

}  // namespace magpie::server
