// `magpie group add|set|remove|list` and `magpie public add|remove|list`.
#include "cli/context.h"
#include "core/strings.h"

namespace magpie::cli {

void add_group_commands(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("group", "groups of users");
    group->require_subcommand(1);

    struct Args {
        std::string name;
        std::vector<std::string> members;
    };
    auto add_args = std::make_shared<Args>();
    auto* add = group->add_subcommand("add", "add a group");
    add->add_option("NAME", add_args->name, "group name")->required();
    add->add_option("--member", add_args->members, "member user names")->delimiter(',');
    add->callback([&ctx, add_args] {
        ctx.check(ctx.service().add_group(add_args->name, add_args->members));
    });

    auto set_args = std::make_shared<Args>();
    auto* set = group->add_subcommand("set", "replace a group's members");
    set->add_option("NAME", set_args->name, "group name")->required();
    set->add_option("--member", set_args->members, "member user names (none: empty the group)")
        ->delimiter(',');
    set->callback([&ctx, set_args] {
        ctx.check(ctx.service().set_group_members(set_args->name, set_args->members));
    });

    auto name = std::make_shared<std::string>();
    auto* remove = group->add_subcommand("remove", "remove a group");
    remove->add_option("NAME", *name, "group name")->required();
    remove->callback([&ctx, name] { ctx.check(ctx.service().remove_group(*name)); });

    auto* list = group->add_subcommand("list", "list groups");
    list->add_flag("--json", ctx.json, "print a JSON array");
    list->callback([&ctx] {
        print_list(ctx, ctx.service().list_groups(), [](const store::Group& g) {
            return g.name + " members=" + join(g.members, ",");
        });
    });
}

void add_public_commands(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("public", "public (shared) mailboxes");
    group->require_subcommand(1);

    auto add_name = std::make_shared<std::string>();
    auto* add = group->add_subcommand("add", "add a public mailbox");
    add->add_option("NAME", *add_name, "mailbox name")->required();
    add->callback([&ctx, add_name] { ctx.check(ctx.service().add_public(*add_name)); });

    auto rm_name = std::make_shared<std::string>();
    auto* remove = group->add_subcommand("remove", "remove a public mailbox (files stay)");
    remove->add_option("NAME", *rm_name, "mailbox name")->required();
    remove->callback([&ctx, rm_name] { ctx.check(ctx.service().remove_public(*rm_name)); });

    auto* list = group->add_subcommand("list", "list public mailboxes");
    list->add_flag("--json", ctx.json, "print a JSON array");
    list->callback([&ctx] {
        print_list(ctx, ctx.service().list_public(),
                   [](const store::PublicMailbox& p) { return p.name; });
    });
}

}  // namespace magpie::cli
