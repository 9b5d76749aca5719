// `magpie admin add|passwd|role|remove|list`: accounts of the admin HTTP API (docs/api.md).
#include "cli/context.h"

namespace magpie::cli {

void add_admin_commands(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("admin", "accounts of the admin HTTP API");
    group->require_subcommand(1);

    struct AddArgs {
        std::string name, role;
    };
    auto add_args = std::make_shared<AddArgs>();
    auto* add = group->add_subcommand(
        "add", "add an admin; the password is read from the first line of stdin");
    add->add_option("NAME", add_args->name, "admin name")->required();
    add->add_option("--role", add_args->role, "admin, mailadm or readonly")->required();
    add->callback([&ctx, add_args] {
        auto pw = read_stdin_line();
        ctx.check(ctx.service().add_admin(add_args->name, pw, add_args->role));
    });

    auto pw_name = std::make_shared<std::string>();
    auto* passwd = group->add_subcommand(
        "passwd", "set an admin's password from the first line of stdin (ends its sessions)");
    passwd->add_option("NAME", *pw_name, "admin name")->required();
    passwd->callback([&ctx, pw_name] {
        auto pw = read_stdin_line();
        ctx.check(ctx.service().set_admin_password(*pw_name, pw));
    });

    auto role_args = std::make_shared<AddArgs>();
    auto* role = group->add_subcommand("role", "change an admin's role (ends its sessions)");
    role->add_option("NAME", role_args->name, "admin name")->required();
    role->add_option("ROLE", role_args->role, "admin, mailadm or readonly")->required();
    role->callback([&ctx, role_args] {
        ctx.check(ctx.service().set_admin_role(role_args->name, role_args->role));
    });

    auto rm_name = std::make_shared<std::string>();
    auto* remove = group->add_subcommand("remove", "remove an admin (ends its sessions)");
    remove->add_option("NAME", *rm_name, "admin name")->required();
    remove->callback([&ctx, rm_name] { ctx.check(ctx.service().remove_admin(*rm_name)); });

    auto* list = group->add_subcommand("list", "list admins");
    list->add_flag("--json", ctx.json, "print a JSON array");
    list->callback([&ctx] {
        print_list(ctx, ctx.service().list_admins(),
                   [](const admin::AdminInfo& a) { return a.name + " role=" + a.role; });
    });
}

}  // namespace magpie::cli
