// `magpie domain add|set|remove|list`: mail domains.
#include "cli/context.h"
#include "core/strings.h"

namespace magpie::cli {
namespace {

struct DomainArgs {
    std::string name;
    bool user_addresses = false, no_user_addresses = false;
    bool group_addresses = false, no_group_addresses = false;
    std::vector<std::string> catch_all;
    bool no_catch_all = false;
    std::string hidden_copy;
    bool no_hidden_copy = false;
    std::string relay;
    bool no_relay = false;
    CLI::Option* catch_all_opt = nullptr;
    CLI::Option* relay_opt = nullptr;
    CLI::Option* hidden_copy_opt = nullptr;

    void add_options(CLI::App* cmd) {
        cmd->add_option("NAME", name, "domain name")->required();
        auto* ua = cmd->add_flag("--user-addresses", user_addresses, "user@domain reaches user");
        cmd->add_flag("--no-user-addresses", no_user_addresses, "user@domain does not reach user")
            ->excludes(ua);
        auto* ga = cmd->add_flag("--group-addresses", group_addresses,
                                 "group@domain reaches the group's members");
        cmd->add_flag("--no-group-addresses", no_group_addresses, "group@domain is not special")
            ->excludes(ga);
        catch_all_opt = cmd->add_option("--catch-all", catch_all,
                                        "destinations for unknown recipients (comma separated)")
                            ->delimiter(',');
        cmd->add_flag("--no-catch-all", no_catch_all, "turn the catch-all off")
            ->excludes(catch_all_opt);
        hidden_copy_opt = cmd->add_option("--hidden-copy", hidden_copy,
                                          "address that gets a copy of all inbound mail");
        cmd->add_flag("--no-hidden-copy", no_hidden_copy, "turn the hidden copy off")
            ->excludes(hidden_copy_opt);
        relay_opt = cmd->add_option("--relay", relay,
                                    "relay domain: send all its mail to HOST[:PORT] instead of "
                                    "delivering locally");
        cmd->add_flag("--no-relay", no_relay, "deliver the domain's mail locally")
            ->excludes(relay_opt);
    }

    admin::DomainOptions options() const {
        admin::DomainOptions o;
        if (user_addresses || no_user_addresses) o.user_addresses = user_addresses;
        if (group_addresses || no_group_addresses) o.group_addresses = group_addresses;
        if (catch_all_opt->count()) o.catch_all = catch_all;
        if (no_catch_all) o.catch_all = std::vector<std::string>{};
        if (hidden_copy_opt->count()) o.hidden_copy = hidden_copy;
        if (no_hidden_copy) o.hidden_copy = std::string();
        if (relay_opt->count()) o.relay_host = relay;
        if (no_relay) o.relay_host = std::string();
        return o;
    }
};

}  // namespace

void add_domain_commands(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("domain", "mail domains");
    group->require_subcommand(1);

    auto add_args = std::make_shared<DomainArgs>();
    auto* add = group->add_subcommand("add", "add a mail domain");
    add_args->add_options(add);
    add->callback([&ctx, add_args] {
        ctx.check(ctx.service().add_domain(add_args->name, add_args->options()));
    });

    auto set_args = std::make_shared<DomainArgs>();
    auto* set = group->add_subcommand("set", "change a mail domain's options");
    set_args->add_options(set);
    set->callback([&ctx, set_args] {
        ctx.check(ctx.service().set_domain(set_args->name, set_args->options()));
    });

    auto name = std::make_shared<std::string>();
    auto* remove = group->add_subcommand("remove", "remove a domain and its addresses");
    remove->add_option("NAME", *name, "domain name")->required();
    remove->callback([&ctx, name] { ctx.check(ctx.service().remove_domain(*name)); });

    auto* list = group->add_subcommand("list", "list domains");
    list->add_flag("--json", ctx.json, "print a JSON array");
    list->callback([&ctx] {
        print_list(ctx, ctx.service().list_domains(), [](const store::Domain& d) {
            return d.name + " user_addresses=" + yes_no(d.user_addresses) +
                   " group_addresses=" + yes_no(d.group_addresses) +
                   " catch_all=" + join(d.catch_all, ",") + " hidden_copy=" + d.hidden_copy +
                   (d.relay_host.empty() ? "" : " relay=" + d.relay_host);
        });
    });
}

}  // namespace magpie::cli
