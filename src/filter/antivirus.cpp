// Antivirus service: engine swaps through an atomic shared_ptr, the database watcher
// thread, and the clamd path.
#include "filter/antivirus.h"

#include <fmt/format.h>

#include "core/log.h"
#include "filter/antivirus_clamd.h"
#include "filter/antivirus_engine.h"

namespace magpie::filter {

std::string virus_reject_reply(std::string_view virus) {
    std::string name;
    for (unsigned char c : virus) name += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    return "554 5.7.1 Message rejected: virus found: " + name;
}

Antivirus::Antivirus(AntivirusOptions options) : options_(std::move(options)) {}

Antivirus::~Antivirus() {
    stop();
}

void Antivirus::start() {
    std::lock_guard lock(mutex_);
    if (watcher_.joinable()) return;
    stopping_ = false;
    watcher_ = std::thread([this] { run(); });
}

void Antivirus::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (watcher_.joinable()) watcher_.join();
}

void Antivirus::configure(bool official, std::string clamd) {
    {
        std::lock_guard lock(mutex_);
        if (options_.official == official && options_.clamd == clamd) return;
        options_.official = official;
        options_.clamd = std::move(clamd);
    }
    cv_.notify_all();
}

void Antivirus::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        reload();
        free_retired();
        lock.lock();
        cv_.wait_for(lock, options_.poll, [&] {
            return stopping_ || (loaded_once_ && (options_.official != fingerprint_.official ||
                                                  options_.clamd != fingerprint_.clamd));
        });
    }
}

ScanResult Antivirus::scan(std::string_view message) {
    ++scans_;
    std::string clamd;
    std::chrono::milliseconds timeout;
    {
        std::lock_guard lock(mutex_);
        if (loaded_once_) clamd = fingerprint_.clamd;
        timeout = options_.clamd_timeout;
    }
    ScanResult r;
    if (!clamd.empty()) {
        r = clamd_instream(clamd, message, timeout);
    } else if (auto engine = engine_.load()) {
        r = engine->scan(message);
    } else if (state_ == State::NoSignatures) {
        r = {ScanResult::Status::Unscanned, "no signatures loaded"};
    } else if (state_ == State::Loading) {
        r = {ScanResult::Status::Failed, "antivirus signatures loading"};
    } else {
        r = {ScanResult::Status::Failed, "antivirus signatures failed to load"};
    }
    switch (r.status) {
        case ScanResult::Status::Clean:
            ++clean_;
            break;
        case ScanResult::Status::Infected:
            ++infected_;
            break;
        case ScanResult::Status::Unscanned:
            ++unscanned_;
            break;
        case ScanResult::Status::Failed:
            ++failed_;
            break;
    }
    return r;
}

std::shared_ptr<const ClamEngine> Antivirus::build(std::vector<DbFile>& files,
                                                   const std::string& tmp_dir, std::string& error) {
    // A broken file is left out rather than costing every other signature.
    while (!files.empty()) {
        size_t bad = files.size();
        std::string err;
        auto engine = ClamEngine::load(files, tmp_dir, &err, &bad);
        if (engine) return engine;
        log::info("antivirus", "load failed: {}", err);
        error = err;
        if (bad >= files.size()) return nullptr;
        files.erase(files.begin() + static_cast<std::ptrdiff_t>(bad));
    }
    return nullptr;
}

bool Antivirus::reload() {
    std::lock_guard reload_lock(reload_mutex_);
    Fingerprint fp;
    std::string dir, tmp_dir;
    {
        std::lock_guard lock(mutex_);
        fp.official = options_.official;
        fp.clamd = options_.clamd;
        dir = options_.db_dir;
        tmp_dir = options_.tmp_dir;
    }
    if (fp.clamd.empty()) fp.files = list_databases(dir, fp.official);
    {
        std::lock_guard lock(mutex_);
        if (loaded_once_ && fp == fingerprint_) return false;
    }
    if (!fp.clamd.empty()) {
        log::info("antivirus", "scanning through clamd at {}", fp.clamd);
        swap_in(nullptr, State::Ready);
    } else if (fp.files.empty()) {
        log::info("antivirus", "no signatures loaded: no databases in {}; messages are not scanned",
                  dir);
        swap_in(nullptr, State::NoSignatures);
    } else {
        auto start = std::chrono::steady_clock::now();
        std::vector<DbFile> files = fp.files;
        std::string error;
        auto engine = build(files, tmp_dir, error);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
        if (engine) {
            log::info("antivirus", "loaded {} signatures from {} databases in {} in {} ms",
                      engine->signatures(), files.size(), dir, ms);
            std::lock_guard lock(mutex_);
            databases_ = files.size();
            last_error_ = error;
        } else if (files.empty()) {
            log::info("antivirus", "no signatures loaded: every database in {} failed", dir);
        } else {
            std::lock_guard lock(mutex_);
            last_error_ = error;
        }
        if (!engine && engine_.load()) {
            // Keep scanning with the engine we have; try again when the folder changes.
            std::lock_guard lock(mutex_);
            fingerprint_ = fp;
            return false;
        }
        swap_in(engine,
                engine ? State::Ready : (files.empty() ? State::NoSignatures : State::Broken));
    }
    std::lock_guard lock(mutex_);
    fingerprint_ = std::move(fp);
    loaded_once_ = true;
    cv_.notify_all();
    return true;
}

void Antivirus::swap_in(std::shared_ptr<const ClamEngine> engine, State state) {
    auto old = engine_.exchange(std::move(engine));
    state_ = state;
    std::lock_guard lock(mutex_);
    if (state != State::Ready) databases_ = 0;
    if (old) {
        retired_.push_back(std::move(old));
        ++reloads_;
    } else if (engine_.load()) {
        ++reloads_;
    }
}

void Antivirus::free_retired() {
    std::vector<std::shared_ptr<const ClamEngine>> done;
    {
        std::lock_guard lock(mutex_);
        // Out of engine_, so nobody can take a new reference: use_count 1 is exact.
        for (auto it = retired_.begin(); it != retired_.end();) {
            if (it->use_count() == 1) {
                done.push_back(std::move(*it));
                it = retired_.erase(it);
            } else {
                ++it;
            }
        }
    }
    // cl_engine_free of a large engine takes a while: outside the lock.
    done.clear();
}

bool Antivirus::wait_ready(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return loaded_once_; });
}

AntivirusStats Antivirus::stats() const {
    AntivirusStats s;
    s.scans = scans_;
    s.clean = clean_;
    s.infected = infected_;
    s.unscanned = unscanned_;
    s.failed = failed_;
    auto engine = engine_.load();
    std::lock_guard lock(mutex_);
    s.reloads = reloads_;
    s.databases = databases_;
    s.ready = loaded_once_;
    s.last_error = last_error_;
    if (!fingerprint_.clamd.empty()) {
        s.scanner = "clamd " + fingerprint_.clamd;
    } else {
        s.scanner = "libclamav " + clamav_version();
        if (engine) s.signatures = engine->signatures();
    }
    return s;
}

}  // namespace magpie::filter
