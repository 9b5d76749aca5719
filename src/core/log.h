// The maillog: one line per event, keyed by queue ID, to a file under the data folder and stdout.
#pragma once
#include <fmt/format.h>

#include <string>
#include <string_view>

namespace magpie::log {

// Opens data_dir/log/maillog for appending; until then lines go to stdout only.
void open_file(const std::string& path);
void set_stdout(bool on);
void write_line(std::string_view component, std::string_view text);

// Usage: log::info("smtpd", "connect from {}", ip);
template <typename... Args>
void info(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    write_line(component, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace magpie::log
