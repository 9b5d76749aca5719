// The antivirus service the SMTP pipeline calls: libclamav in-process with the databases of
// data_dir/clamav, reloaded in the background when they change (a new engine is built off
// to the side and swapped in, so scans never wait), or clamd over its socket when set.
// Thread-safe: many SMTP sessions scan at once.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "filter/antivirus_db.h"
#include "filter/antivirus_result.h"

namespace magpie::filter {

class ClamEngine;

struct AntivirusOptions {
    std::string db_dir;     // data_dir/clamav
    bool official = false;  // antivirus_official_signatures
    std::string clamd;      // antivirus_clamd_socket; empty = in-process
    std::chrono::milliseconds poll = std::chrono::seconds(10);  // database folder check
    std::chrono::milliseconds clamd_timeout = std::chrono::seconds(60);
    // Where libclamav unpacks during scans (a folder per scan); empty: $TMPDIR, else /tmp.
    // On a busy disk its mkdir/rmdir per scan dominates: a tmpfs folder is much faster.
    std::string tmp_dir;
};

struct AntivirusStats {
    uint64_t scans = 0, clean = 0, infected = 0, unscanned = 0, failed = 0;
    uint64_t reloads = 0;     // engines built and swapped in
    unsigned signatures = 0;  // in the current engine
    size_t databases = 0;     // files loaded into it
    bool ready = false;       // the first load is done (or clamd is used)
    std::string scanner;      // "libclamav 1.4.6" or "clamd /run/clamav/clamd.ctl"
    std::string last_error;   // of the last load, empty when it went well
};

// "554 5.7.1 Message rejected: virus found: NAME".
std::string virus_reject_reply(std::string_view virus);

class Antivirus {
  public:
    explicit Antivirus(AntivirusOptions options);
    ~Antivirus();
    Antivirus(const Antivirus&) = delete;
    Antivirus& operator=(const Antivirus&) = delete;

    // Starts the background thread: first load, then a folder check every `poll`.
    void start();
    void stop();
    // New settings (after a settings reload); the background thread applies them.
    void configure(bool official, std::string clamd);

    // Until the first load is done scans answer Failed ("signatures loading"); with no
    // database at all they answer Unscanned (logged once).
    ScanResult scan(std::string_view message);

    // Checks the folder now and rebuilds the engine if anything changed; true when a new
    // engine (or "no signatures") took effect. The background thread calls it.
    bool reload();
    // Waits until the first load is done; false on timeout.
    bool wait_ready(std::chrono::milliseconds timeout);
    AntivirusStats stats() const;

  private:
    enum class State { Loading, Ready, NoSignatures, Broken };
    struct Fingerprint {
        std::vector<DbFile> files;
        bool official = false;
        std::string clamd;
        bool operator==(const Fingerprint&) const = default;
    };

    AntivirusOptions options_;  // guarded by mutex_
    std::atomic<std::shared_ptr<const ClamEngine>> engine_;
    std::atomic<State> state_{State::Loading};
    std::atomic<uint64_t> scans_{0}, clean_{0}, infected_{0}, unscanned_{0}, failed_{0};

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    bool loaded_once_ = false;
    Fingerprint fingerprint_;
    std::vector<std::shared_ptr<const ClamEngine>> retired_;  // freed by the watcher
    uint64_t reloads_ = 0;
    size_t databases_ = 0;
    std::string last_error_;

    std::mutex reload_mutex_;  // one reload at a time
    std::thread watcher_;

    void run();
    void swap_in(std::shared_ptr<const ClamEngine> engine, State state);
    void free_retired();
    std::shared_ptr<const ClamEngine> build(std::vector<DbFile>& files, const std::string& tmp_dir,
                                            std::string& error);
};

}  // namespace magpie::filter
