// `magpie relay add|edit|enable|disable|remove|list`: relay rules (smarthosts chosen by
// recipient, sender, or by default). Passwords are read from stdin and never printed.
#include "cli/context.h"
#include "store/relay_rules.h"

namespace magpie::cli {
namespace {

struct RelayArgs {
    std::string type, pattern, host, username;
    int port = 25;
    bool password_stdin = false, no_auth = false, tls = false, no_tls = false;
    CLI::Option *type_opt = nullptr, *pattern_opt = nullptr, *host_opt = nullptr,
                *port_opt = nullptr, *username_opt = nullptr;

    void add_options(CLI::App* cmd, bool adding) {
        type_opt = cmd->add_option("--type", type, "recipient, sender or default")
                       ->check(CLI::IsMember({"recipient", "sender", "default"}, CLI::ignore_case));
        if (adding) type_opt->required();
        pattern_opt = cmd->add_option("--pattern", pattern,
                                      "user@domain or domain (recipient and sender rules)");
        host_opt = cmd->add_option("--host", host, "the relay host (name or IP address)");
        if (adding) host_opt->required();
        port_opt = cmd->add_option("--port", port, "TCP port (default 25)");
        username_opt = cmd->add_option("--username", username, "SMTP AUTH user name");
        cmd->add_flag("--password-stdin", password_stdin,
                      "read the SMTP AUTH password from the first line of stdin")
            ->needs(username_opt);
        cmd->add_flag("--no-auth", no_auth, "send without SMTP AUTH")->excludes(username_opt);
        auto* t = cmd->add_flag("--tls", tls, "require STARTTLS");
        cmd->add_flag("--no-tls", no_tls, "do not require STARTTLS")->excludes(t);
    }

    admin::RelayRuleOptions options() const {
        admin::RelayRuleOptions o;
        if (type_opt->count()) o.type = store::parse_relay_type(type);
        if (pattern_opt->count()) o.pattern = pattern;
        if (host_opt->count()) o.host = host;
        if (port_opt->count()) o.port = port;
        if (username_opt->count()) o.username = username;
        if (password_stdin) o.password = read_stdin_line();
        if (no_auth) o.username = std::string();
        if (tls || no_tls) o.tls_required = tls;
        return o;
    }
};

std::string line(const admin::RelayRuleInfo& r) {
    return std::to_string(r.id) + " type=" + store::relay_type_name(r.type) +
           " pattern=" + r.pattern + " host=" + r.host + " port=" + std::to_string(r.port) +
           " username=" + r.username + " password=" + yes_no(r.has_password) +
           " tls=" + yes_no(r.tls_required) + " enabled=" + yes_no(r.enabled);
}

}  // namespace

void add_relay_commands(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("relay", "relay rules: smarthosts by recipient or sender");
    group->require_subcommand(1);

    auto add_args = std::make_shared<RelayArgs>();
    auto* add = group->add_subcommand("add", "add a relay rule (prints its id)");
    add_args->add_options(add, true);
    add->callback([&ctx, add_args] {
        auto r = ctx.service().relay_add(add_args->options());
        if (ctx.check(r)) std::cout << r.value << "\n";
    });

    auto edit_id = std::make_shared<int64_t>(0);
    auto edit_args = std::make_shared<RelayArgs>();
    auto* edit = group->add_subcommand("edit", "change a relay rule");
    edit->add_option("ID", *edit_id, "rule id")->required();
    edit_args->add_options(edit, false);
    edit->callback([&ctx, edit_id, edit_args] {
        ctx.check(ctx.service().relay_edit(*edit_id, edit_args->options()));
    });

    auto id = std::make_shared<int64_t>(0);
    auto* enable = group->add_subcommand("enable", "enable a relay rule");
    enable->add_option("ID", *id, "rule id")->required();
    enable->callback([&ctx, id] { ctx.check(ctx.service().relay_set_enabled(*id, true)); });
    auto* disable = group->add_subcommand("disable", "disable a relay rule");
    disable->add_option("ID", *id, "rule id")->required();
    disable->callback([&ctx, id] { ctx.check(ctx.service().relay_set_enabled(*id, false)); });
    auto* remove = group->add_subcommand("remove", "remove a relay rule");
    remove->add_option("ID", *id, "rule id")->required();
    remove->callback([&ctx, id] { ctx.check(ctx.service().relay_remove(*id)); });

    auto* list = group->add_subcommand("list", "list relay rules (passwords are not shown)");
    list->add_flag("--json", ctx.json, "print a JSON array");
    list->callback([&ctx] { print_list(ctx, ctx.service().relay_list(), line); });
}

}  // namespace magpie::cli
