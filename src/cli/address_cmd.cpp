// `magpie address add|set|remove|list`: addresses and where they deliver.
#include "cli/context.h"
#include "core/strings.h"

namespace magpie::cli {

void add_address_commands(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("address", "addresses: local@domain or a bare local part");
    group->require_subcommand(1);

    struct Args {
        std::string address;
        std::vector<std::string> to;
        bool internal = false, external = false;
    };
    auto add_args = std::make_shared<Args>();
    auto* add = group->add_subcommand("add", "add an address");
    add->add_option("ADDR", add_args->address, "local@domain, or local for every domain")
        ->required();
    add->add_option("--to", add_args->to, "destinations: user, group, public:NAME or email")
        ->delimiter(',')
        ->required();
    add->add_flag("--internal", add_args->internal,
                  "only reachable from authenticated users and trusted networks");
    add->callback([&ctx, add_args] {
        ctx.check(ctx.service().add_address(add_args->address, add_args->to, add_args->internal));
    });

    auto set_args = std::make_shared<Args>();
    auto* set = group->add_subcommand("set", "change an address");
    set->add_option("ADDR", set_args->address, "the address")->required();
    auto* to = set->add_option("--to", set_args->to, "replace the destinations")->delimiter(',');
    auto* internal = set->add_flag("--internal", set_args->internal, "make it internal");
    set->add_flag("--no-internal", set_args->external, "make it reachable from anywhere")
        ->excludes(internal);
    set->callback([&ctx, set_args, to] {
        std::optional<std::vector<std::string>> dests;
        if (to->count()) dests = set_args->to;
        std::optional<bool> in;
        if (set_args->internal || set_args->external) in = set_args->internal;
        ctx.check(ctx.service().set_address(set_args->address, dests, in));
    });

    auto name = std::make_shared<std::string>();
    auto* remove = group->add_subcommand("remove", "remove an address");
    remove->add_option("ADDR", *name, "the address")->required();
    remove->callback([&ctx, name] { ctx.check(ctx.service().remove_address(*name)); });

    auto* list = group->add_subcommand("list", "list addresses");
    list->add_flag("--json", ctx.json, "print a JSON array");
    list->callback([&ctx] {
        print_list(ctx, ctx.service().list_addresses(), [](const store::Address& a) {
            return a.address + " to=" + join(a.destinations, ",") +
                   " internal=" + yes_no(a.internal);
        });
    });
}

}  // namespace magpie::cli
