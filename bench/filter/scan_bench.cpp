// Scan benchmark driver: runs Magpie's attachment inspection plus the ClamAV scan (in
// process, or clamd INSTREAM) over a set of messages held in memory, sequentially, and
// prints messages/s, MB/s, latency percentiles and peak memory.
// usage: scan_bench MODE SECONDS DBDIR|SOCKET FILE...
//   MODE: full (attachments + libclamav), attachments, clamav (libclamav only), clamd
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "filter/antivirus.h"
#include "filter/antivirus_clamd.h"
#include "filter/attachments.h"
#include "mime/parser.h"

using namespace magpie;
using Clock = std::chrono::steady_clock;

namespace {

std::string read_file(const char* path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

long rss_kb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr,
                     "usage: %s full|attachments|clamav|clamd SECONDS DBDIR|SOCKET FILE...\n",
                     argv[0]);
        return 2;
    }
    std::string mode = argv[1];
    double seconds = std::atof(argv[2]);
    std::string where = argv[3];
    std::vector<std::string> msgs;
    size_t total = 0;
    for (int i = 4; i < argc; ++i) {
        msgs.push_back(read_file(argv[i]));
        total += msgs.back().size();
    }
    long rss_before = rss_kb();

    filter::AntivirusOptions opt;
    opt.db_dir = where;
    filter::Antivirus av(opt);
    auto load_start = Clock::now();
    if (mode == "full" || mode == "clamav") {
        av.start();
        av.wait_ready(std::chrono::minutes(10));
    }
    double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - load_start).count();
    long rss_loaded = rss_kb();

    filter::AttachmentPolicy policy;  // executables blocked (the default)
    std::vector<double> lat;
    size_t bytes = 0, blocked = 0, infected = 0, failed = 0;
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    auto start = Clock::now();
    for (size_t i = 0;; ++i) {
        auto elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        if (elapsed >= seconds && i % msgs.size() == 0 && i > 0) break;  // whole passes only
        const std::string& raw = msgs[i % msgs.size()];
        auto t0 = Clock::now();
        if (mode == "full" || mode == "attachments") {
            auto msg = mime::parse_message(raw);
            if (filter::blocked_attachment(msg, policy)) ++blocked;
        }
        filter::ScanResult r;
        if (mode == "full" || mode == "clamav") r = av.scan(raw);
        if (mode == "clamd") r = filter::clamd_instream(where, raw);
        if (r.infected()) ++infected;
        if (r.status == filter::ScanResult::Status::Failed) ++failed;
        lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        bytes += raw.size();
    }
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    rusage after{};
    getrusage(RUSAGE_SELF, &after);
    auto cpu_us = [](const rusage& r) {
        return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e6 + r.ru_utime.tv_usec +
               r.ru_stime.tv_usec;
    };
    double cpu_per_msg = (cpu_us(after) - cpu_us(before)) / lat.size();
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double p) { return lat[std::min(lat.size() - 1, size_t(p * lat.size()))]; };
    auto st = av.stats();
    std::printf(
        "mode=%s messages=%zu corpus_bytes=%zu scanned=%zu msgs_per_s=%.1f mb_per_s=%.2f "
        "cpu_us_per_msg=%.0f lat_p50_us=%.0f lat_p90_us=%.0f lat_p99_us=%.0f lat_max_us=%.0f "
        "blocked=%zu "
        "infected=%zu failed=%zu signatures=%u load_ms=%.0f rss_start_kb=%ld "
        "rss_loaded_kb=%ld maxrss_kb=%ld\n",
        mode.c_str(), msgs.size(), total, lat.size(), lat.size() / secs, bytes / secs / 1e6,
        cpu_per_msg, pct(0.5), pct(0.9), pct(0.99), lat.back(), blocked, infected, failed,
        st.signatures, load_ms, rss_before, rss_loaded, after.ru_maxrss);
    return 0;
}
