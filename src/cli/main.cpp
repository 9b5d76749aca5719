// The `magpie` command: `serve` runs the server; the other subcommands administer the
// settings DB through the service layer. Exit codes: 0 ok, 1 operation failed, 2 usage.
#include <iostream>

#include "cli/context.h"
#include "server/serve.h"

namespace magpie::cli {
void add_dkim_commands(CLI::App& app, Context& ctx);  // dkim_cmd.cpp
void add_spam_commands(CLI::App& app, Context& ctx);  // spam_cmd.cpp
void add_admin_commands(CLI::App& app, Context& ctx);  // admin_cmd.cpp
}

int main(int argc, char** argv) {
    using namespace magpie;
    cli::Context ctx;
    CLI::App app{"Magpie mail server"};
    app.fallthrough();
    app.require_subcommand(1);
    app.add_option("-c,--config", ctx.config_path, "bootstrap TOML file (default: built-in)");

    auto* serve = app.add_subcommand("serve", "run the mail server in the foreground");
    serve->callback([&] { ctx.exit_code = server::serve(ctx.config()); });

    cli::add_domain_commands(app, ctx);
    cli::add_user_commands(app, ctx);
    cli::add_group_commands(app, ctx);
    cli::add_public_commands(app, ctx);
    cli::add_address_commands(app, ctx);
    cli::add_settings_commands(app, ctx);
    cli::add_relay_commands(app, ctx);
    cli::add_queue_commands(app, ctx);
    cli::add_dkim_commands(app, ctx);
    cli::add_spam_commands(app, ctx);
    cli::add_admin_commands(app, ctx);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    } catch (const std::exception& e) {
        std::cerr << "magpie: " << e.what() << "\n";
        return 1;
    }
    return ctx.exit_code;
}
