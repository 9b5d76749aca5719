// What every `magpie` subcommand shares: the bootstrap config, the service layer (opened
// on first use, so --help never touches the DB), and the output helpers.
#pragma once
#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "admin/json.h"
#include "admin/service.h"
#include "core/config.h"

namespace magpie::cli {

struct Context {
    std::string config_path;  // -c; empty means default_config()
    bool json = false;        // --json on list commands
    int exit_code = 0;

    const Config& config();
    // Creates data_dir when needed and opens cfg.db_path().
    admin::Service& service();

    // Prints the error of a failed Status to stderr and sets exit code 1; true when ok.
    bool check(const admin::Status& st);

  private:
    std::unique_ptr<Config> cfg_;
    std::unique_ptr<admin::Service> svc_;
};

// One line per item on stdout, or a JSON array with --json.
template <typename T, typename Line>
void print_list(Context& ctx, const admin::Result<std::vector<T>>& r, Line line) {
    if (!ctx.check(r)) return;
    if (ctx.json) {
        std::cout << boost::json::serialize(admin::to_json(r.value)) << "\n";
        return;
    }
    for (auto& item : r.value) std::cout << line(item) << "\n";
}

const char* yes_no(bool b);
// Reads the first line of stdin without its line end; used for --password-stdin.
std::string read_stdin_line();

// Each registers one command group on the app.
void add_domain_commands(CLI::App& app, Context& ctx);
void add_user_commands(CLI::App& app, Context& ctx);
void add_group_commands(CLI::App& app, Context& ctx);
void add_public_commands(CLI::App& app, Context& ctx);
void add_address_commands(CLI::App& app, Context& ctx);
void add_settings_commands(CLI::App& app, Context& ctx);
void add_relay_commands(CLI::App& app, Context& ctx);
void add_queue_commands(CLI::App& app, Context& ctx);

}  // namespace magpie::cli
