// Bootstrap configuration from the TOML file given with -c (or embedded defaults).
// Only what is needed before the settings database opens lives here.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace magpie {

struct Config {
    std::string hostname;             // FQDN used in banners, Received: and Maildir names
    std::string data_dir = "data";    // settings DB, queue, mail, logs, tls
    // Listener name ("smtp", "submission", "submissions", "imap", "imaps", "pop3",
    // "pop3s", "managesieve", "http") to "address:port" strings; absent means off.
    std::map<std::string, std::vector<std::string>> listen;
    std::string tls_cert;  // PEM files; empty means a self-signed pair under data_dir/tls
    std::string tls_key;
    std::string dns_resolver;  // "127.0.0.1:53"; empty means /etc/resolv.conf
    int threads = 0;           // I/O threads; 0 means hardware concurrency

    std::string db_path() const { return data_dir + "/magpie.db"; }
    std::string queue_dir() const { return data_dir + "/queue"; }
    std::string mail_dir() const { return data_dir + "/mail"; }
    std::string public_dir() const { return data_dir + "/public"; }
    std::string log_dir() const { return data_dir + "/log"; }
    std::string tls_dir() const { return data_dir + "/tls"; }
};

// Embedded defaults: standard ports on all addresses, data folder ./data.
Config default_config();
// Throws std::runtime_error with a readable message on a bad file.
Config load_config(const std::string& path);
Config parse_config(std::string_view toml_text, const std::string& source_name);

// "127.0.0.1:2525" / "[::1]:25" / ":25" into host and port; nullopt when malformed.
struct HostPort {
    std::string host;
    unsigned short port = 0;
};
std::optional<HostPort> parse_host_port(std::string_view text);

}  // namespace magpie
