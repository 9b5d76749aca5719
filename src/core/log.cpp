// The maillog writer: timestamped lines, serialised by a mutex, flushed per line.
#include "core/log.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace magpie::log {
namespace {
std::mutex mu;
FILE* file = nullptr;
bool to_stdout = true;
}  // namespace

void open_file(const std::string& path) {
    std::lock_guard lock(mu);
    if (file) fclose(file);
    file = fopen(path.c_str(), "a");
}

void set_stdout(bool on) { to_stdout = on; }

void write_line(std::string_view component, std::string_view text) {
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[40];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string line = fmt::format("{}.{:03}Z magpie/{}[{}]: {}\n", stamp, ms, component, getpid(), text);
    std::lock_guard lock(mu);
    if (file) {
        fwrite(line.data(), 1, line.size(), file);
        fflush(file);
    }
    if (to_stdout) {
        fwrite(line.data(), 1, line.size(), stdout);
        fflush(stdout);
    }
}

}  // namespace magpie::log
