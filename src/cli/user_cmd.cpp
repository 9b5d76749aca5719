// `magpie user add|set|passwd|remove|list`: users (mailboxes with a login).
#include "cli/context.h"
#include "core/strings.h"

namespace magpie::cli {
namespace {

struct UserArgs {
    std::string name;
    bool password_stdin = false;
    bool disable = false, enable = false;
    std::vector<std::string> forwards;
    bool no_forward = false;
    bool keep_copy = false, no_keep_copy = false;
    CLI::Option* forward_opt = nullptr;

    void add_options(CLI::App* cmd) {
        cmd->add_option("NAME", name, "user name")->required();
        auto* d =
            cmd->add_flag("--disable", disable, "turn mail access off (no login, no delivery)");
        cmd->add_flag("--enable", enable, "turn mail access on")->excludes(d);
        forward_opt = cmd->add_option("--forward", forwards,
                                      "forward mail to these addresses (comma separated)")
                          ->delimiter(',');
        cmd->add_flag("--no-forward", no_forward, "stop forwarding")->excludes(forward_opt);
        auto* k = cmd->add_flag("--keep-copy", keep_copy, "with forwards, also keep a copy");
        cmd->add_flag("--no-keep-copy", no_keep_copy, "with forwards, keep no copy")->excludes(k);
    }

    admin::UserOptions options() const {
        admin::UserOptions o;
        if (disable || enable) o.disabled = disable;
        if (forward_opt->count()) o.forwards = forwards;
        if (no_forward) o.forwards = std::vector<std::string>{};
        if (keep_copy || no_keep_copy) o.keep_copy = keep_copy;
        return o;
    }
};

}  // namespace

void add_user_commands(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("user", "users and their mailboxes");
    group->require_subcommand(1);

    auto add_args = std::make_shared<UserArgs>();
    auto* add = group->add_subcommand("add", "add a user");
    add_args->add_options(add);
    add->add_flag("--password-stdin", add_args->password_stdin,
                  "read the password from the first line of stdin");
    add->callback([&ctx, add_args] {
        std::optional<std::string> pw;
        if (add_args->password_stdin) pw = read_stdin_line();
        std::optional<std::string_view> pv;
        if (pw) pv = *pw;
        ctx.check(ctx.service().add_user(add_args->name, pv, add_args->options()));
    });

    auto set_args = std::make_shared<UserArgs>();
    auto* set = group->add_subcommand("set", "change a user's options");
    set_args->add_options(set);
    set->callback([&ctx, set_args] {
        ctx.check(ctx.service().set_user(set_args->name, set_args->options()));
    });

    struct PasswdArgs {
        std::string name;
        bool password_stdin = false, clear = false;
    };
    auto pw_args = std::make_shared<PasswdArgs>();
    auto* passwd = group->add_subcommand("passwd", "set a user's password from stdin");
    passwd->add_option("NAME", pw_args->name, "user name")->required();
    auto* clear = passwd->add_flag("--clear", pw_args->clear, "remove the password (no login)");
    passwd
        ->add_flag("--password-stdin", pw_args->password_stdin,
                   "read the password from the first line of stdin (the default)")
        ->excludes(clear);
    passwd->callback([&ctx, pw_args] {
        if (pw_args->clear) {
            ctx.check(ctx.service().set_password(pw_args->name, std::nullopt));
            return;
        }
        auto pw = read_stdin_line();
        ctx.check(ctx.service().set_password(pw_args->name, std::string_view(pw)));
    });

    auto name = std::make_shared<std::string>();
    auto* remove = group->add_subcommand("remove", "remove a user (the maildir stays on disk)");
    remove->add_option("NAME", *name, "user name")->required();
    remove->callback([&ctx, name] { ctx.check(ctx.service().remove_user(*name)); });

    auto* list = group->add_subcommand("list", "list users");
    list->add_flag("--json", ctx.json, "print a JSON array");
    list->callback([&ctx] {
        print_list(ctx, ctx.service().list_users(), [](const admin::UserInfo& u) {
            return u.name + " disabled=" + yes_no(u.disabled) +
                   " password=" + yes_no(u.has_password) + " keep_copy=" + yes_no(u.keep_copy) +
                   " forwards=" + join(u.forwards, ",");
        });
    });
}

}  // namespace magpie::cli
