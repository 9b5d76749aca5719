// TOML bootstrap configuration: hostname, data_dir, [listen], [tls], [dns].
#include "core/config.h"

#include <unistd.h>

#include <charconv>
#include <set>
#include <stdexcept>
#include <toml++/toml.h>

namespace magpie {

static std::string system_hostname() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
    return buf;
}

static const std::set<std::string> kListeners = {"smtp",  "submission", "submissions",
                                                 "imap",  "imaps",      "pop3",
                                                 "pop3s", "managesieve", "http", "https"};

Config default_config() {
    Config c;
    c.hostname = system_hostname();
    c.listen = {{"smtp", {"0.0.0.0:25"}},      {"submission", {"0.0.0.0:587"}},
                {"submissions", {"0.0.0.0:465"}}, {"imap", {"0.0.0.0:143"}},
                {"imaps", {"0.0.0.0:993"}},       {"pop3", {"0.0.0.0:110"}},
                {"pop3s", {"0.0.0.0:995"}},       {"managesieve", {"0.0.0.0:4190"}},
                {"http", {"127.0.0.1:8080"}}};
    return c;
}

std::optional<HostPort> parse_host_port(std::string_view text) {
    HostPort hp;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return std::nullopt;
        hp.host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        hp.host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
    }
    if (hp.host.empty()) hp.host = "0.0.0.0";
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || p != port.data() + port.size() || v == 0 || v > 65535) return std::nullopt;
    hp.port = static_cast<unsigned short>(v);
    return hp;
}

Config parse_config(std::string_view toml_text, const std::string& source_name) {
    toml::table t;
    try {
        t = toml::parse(toml_text, source_name);
    } catch (const toml::parse_error& e) {
        throw std::runtime_error(source_name + ": " + std::string(e.description()));
    }
    Config c;
    c.hostname = t["hostname"].value_or(system_hostname());
    c.data_dir = t["data_dir"].value_or(std::string("data"));
    c.threads = static_cast<int>(t["threads"].value_or(int64_t{0}));
    if (auto* listen = t["listen"].as_table()) {
        for (auto& [key, node] : *listen) {
            std::string name(key.str());
            if (!kListeners.count(name)) throw std::runtime_error(source_name + ": unknown listener '" + name + "'");
            std::vector<std::string> addrs;
            if (auto s = node.value<std::string>()) {
                addrs.push_back(*s);
            } else if (auto* arr = node.as_array()) {
                for (auto& item : *arr) {
                    auto s2 = item.value<std::string>();
                    if (!s2) throw std::runtime_error(source_name + ": listen." + name + " must hold strings");
                    addrs.push_back(*s2);
                }
            } else {
                throw std::runtime_error(source_name + ": listen." + name + " must be a string or a list");
            }
            for (auto& a : addrs)
                if (!parse_host_port(a))
                    throw std::runtime_error(source_name + ": listen." + name + ": bad address '" + a + "'");
            c.listen[name] = addrs;
        }
    }
    c.tls_cert = t["tls"]["cert"].value_or(std::string());
    c.tls_key = t["tls"]["key"].value_or(std::string());
    if (c.tls_cert.empty() != c.tls_key.empty())
        throw std::runtime_error(source_name + ": [tls] needs both cert and key");
    c.dns_resolver = t["dns"]["resolver"].value_or(std::string());
    return c;
}

Config load_config(const std::string& path) {
    toml::table t;
    FILE* f = fopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error("cannot open config file " + path);
    std::string text;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    fclose(f);
    return parse_config(text, path);
}

}  // namespace magpie
