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
#include "net/certificate.h"
#include "net/conn_limits.h"
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

awaitable<void> accept_loop(tcp::acceptor& acc, smtp::Listener listener, smtp::ServerContext& ctx) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket sock = co_await acc.async_accept(asio::make_strand(acc.get_executor()),
                                                     asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (ec == asio::error::operation_aborted || !acc.is_open()) co_return;
            log::info("master", "warning: accept failed: {}", ec.message());
            continue;
        }
        auto ex = sock.get_executor();
        asio::co_spawn(ex, smtp::run_session(std::move(sock), listener, ctx), asio::detached);
    }
}

awaitable<void> imap_accept_loop(tcp::acceptor& acc, bool implicit_tls, imap::ServerContext& ctx) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket sock = co_await acc.async_accept(asio::make_strand(acc.get_executor()),
                                                     asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (ec == asio::error::operation_aborted || !acc.is_open()) co_return;
            log::info("master", "warning: accept failed: {}", ec.message());
            continue;
        }
        auto ex = sock.get_executor();
        asio::co_spawn(ex, imap::run_session(std::move(sock), implicit_tls, ctx), asio::detached);
    }
}

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

std::unique_ptr<tcp::acceptor> open_acceptor(asio::io_context& io, const std::string& addr) {
    auto hp = parse_host_port(addr);
    if (!hp) throw std::runtime_error("bad listen address " + addr);
    auto ip = asio::ip::make_address(hp->host);
    tcp::endpoint ep(ip, hp->port);
    auto acc = std::make_unique<tcp::acceptor>(io);
    acc->open(ep.protocol());
    acc->set_option(asio::socket_base::reuse_address(true));
    if (ip.is_v6()) acc->set_option(asio::ip::v6_only(true));
    acc->bind(ep);
    acc->listen(asio::socket_base::max_listen_connections);
    return acc;
}

// Stops accepting, interrupts idle sessions and lets busy ones finish their step (a commit
// in progress completes and is answered), then stops the io_context.
awaitable<void> shutdown_on_signal(asio::signal_set& signals, asio::io_context& io,
                                   std::vector<std::unique_ptr<tcp::acceptor>>& acceptors,
                                   net::SessionRegistry& sessions, std::atomic<bool>& stopping) {
    boost::system::error_code ec;
    int sig = co_await signals.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    log::info("master", "signal {} received, stopping", sig);
    stopping = true;
    for (auto& a : acceptors) {
        boost::system::error_code ignored;
        a->close(ignored);
    }
    sessions.interrupt_all();
    asio::steady_timer t(io);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (sessions.size() > 0 && std::chrono::steady_clock::now() < deadline) {
        t.expires_after(std::chrono::milliseconds(50));
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    io.stop();
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

}  // namespace

int serve(const Config& cfg) {
    fs::make_dirs(cfg.data_dir);
    fs::make_dirs(cfg.log_dir());
    fs::make_dirs(cfg.queue_dir());
    log::open_file(cfg.log_dir() + "/maillog");
    log::info("master", "starting Magpie on {} (data {})", cfg.hostname, cfg.data_dir);

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
    agent.set_remote_handler([&outbound](const std::string& id) { outbound.submit(id); });
    outbound.start();
    agent.start();

    std::atomic<bool> stopping{false};
    net::ConnCounter conns;
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
    smtp::ServerContext ctx{cfg,      directory, agent,
                            conns,    sessions,  tls,
                            blocking, stopping,  usage_peek(registry, blocking), checks};
    net::ConnCounter mail_conns, user_conns;
    imap::ServerContext imap_ctx{cfg, directory, registry, mail_conns, user_conns, sessions, tls, blocking, stopping, &bayes};

    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    const std::pair<const char*, smtp::Listener> smtp_listeners[] = {{"smtp", smtp::Listener::Smtp},
                                                                     {"submission", smtp::Listener::Submission},
                                                                     {"submissions", smtp::Listener::Submissions}};
    for (auto& [name, kind] : smtp_listeners) {
        auto it = cfg.listen.find(name);
        if (it == cfg.listen.end()) continue;
        for (auto& addr : it->second) {
            acceptors.push_back(open_acceptor(io, addr));
            asio::co_spawn(io, accept_loop(*acceptors.back(), kind, ctx), asio::detached);
            log::info("master", "{} listening on {}", name, addr);
        }
    }
    for (auto& [name, implicit_tls] : {std::pair{"imap", false}, std::pair{"imaps", true}}) {
        auto it = cfg.listen.find(name);
        if (it == cfg.listen.end()) continue;
        for (auto& addr : it->second) {
            acceptors.push_back(open_acceptor(io, addr));
            asio::co_spawn(io, imap_accept_loop(*acceptors.back(), implicit_tls, imap_ctx), asio::detached);
            log::info("master", "{} listening on {}", name, addr);
        }
    }
    // POP3 (docs/pop3.md): STLS on pop3, implicit TLS on pop3s.
    net::ConnCounter pop3_conns;
    pop3::SizeCache pop3_sizes;
    pop3::ServerContext pop3_ctx{cfg,        directory, registry, pop3_sizes, pop3_conns,
                                 user_conns, sessions,  tls,      blocking,   stopping};
    const std::pair<const char*, pop3::Listener> pop3_listeners[] = {
        {"pop3", pop3::Listener::Pop3}, {"pop3s", pop3::Listener::Pop3s}};
    for (auto& [name, kind] : pop3_listeners) {
        auto it = cfg.listen.find(name);
        if (it == cfg.listen.end()) continue;
        for (auto& addr : it->second) {
            acceptors.push_back(open_acceptor(io, addr));
            asio::co_spawn(io, pop3::accept_loop(*acceptors.back(), kind, pop3_ctx),
                           asio::detached);
            log::info("master", "{} listening on {}", name, addr);
        }
    }

    // The admin HTTP API (docs/api.md) on [listen] http and https.
    admin::Service api_service(cfg.db_path());
    api::Api http_api(api_service);
    http_api.usage = [&registry](const std::string& user) -> std::optional<int64_t> {
        return static_cast<int64_t>(registry.usage(user)->get().bytes);
    };
    api::HttpContext http_ctx{http_api, directory, tls, sessions, blocking, stopping};
    api::start_http_listeners(io, cfg, http_ctx, acceptors,
                              [&io](const std::string& addr) { return open_acceptor(io, addr); });

    for (auto& [name, addrs] : cfg.listen) {
        if (name == "http" || name == "https") continue;
        if (name == "smtp" || name == "submission" || name == "submissions") continue;
        if (name == "imap" || name == "imaps" || name == "pop3" || name == "pop3s") continue;
        log::info("master", "warning: listener {} is not available in this version, not started", name);
    }
    asio::co_spawn(io, reload_loop(directory, greylist, antivirus, stopping), asio::detached);
    asio::co_spawn(io, junk_expiry_loop(cfg, directory, registry, blocking, stopping), asio::detached);

    asio::signal_set signals(io, SIGTERM, SIGINT);
    asio::co_spawn(io, shutdown_on_signal(signals, io, acceptors, sessions, stopping), asio::detached);
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
