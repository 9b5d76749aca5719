// The shared CLI context: lazy config and service, error reporting.
#include "cli/context.h"

#include <boost/json/serialize.hpp>
#include <iostream>

#include "core/fs.h"

namespace magpie::cli {

const Config& Context::config() {
    if (!cfg_)
        cfg_ = std::make_unique<Config>(config_path.empty() ? default_config()
                                                            : load_config(config_path));
    return *cfg_;
}

admin::Service& Context::service() {
    if (!svc_) {
        auto& cfg = config();
        fs::make_dirs(cfg.data_dir);
        svc_ = std::make_unique<admin::Service>(cfg.db_path());
    }
    return *svc_;
}

bool Context::check(const admin::Status& st) {
    if (st.ok()) return true;
    if (json)
        std::cerr << boost::json::serialize(admin::to_json(st)) << "\n";
    else
        std::cerr << "magpie: " << st.message << "\n";
    exit_code = 1;
    return false;
}

const char* yes_no(bool b) {
    return b ? "yes" : "no";
}

std::string read_stdin_line() {
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

}  // namespace magpie::cli
