// `magpie user add|set|passwd|remove|show|list`: users (mailboxes with a login).
#include <charconv>

#include "cli/context.h"
#include "core/strings.h"
#include "store/settings.h"

namespace magpie::cli {
namespace {

// "default", "unlimited" (0) or a size as the settings take it ("500M", "2G").
std::optional<std::optional<int64_t>> parse_quota(const std::string& v) {
    using Q = std::optional<std::optional<int64_t>>;
    std::string l = to_lower(trim(v));
    if (l == "default") return Q(std::in_place, std::nullopt);
    if (l == "unlimited") return Q(std::in_place, 0);
    if (auto n = store::parse_size(l)) return Q(std::in_place, *n);
    return std::nullopt;
}

// Bytes with the largest exact K/M/G suffix.
std::string format_size(int64_t n) {
    for (auto [shift, suffix] : {std::pair{30, "G"}, {20, "M"}, {10, "K"}}) {
        int64_t unit = int64_t{1} << shift;
        if (n > 0 && n % unit == 0) return std::to_string(n / unit) + suffix;
    }
    return std::to_string(n);
}

std::string quota_text(const std::optional<int64_t>& q) {
    if (!q) return "default";
    return *q == 0 ? "unlimited" : format_size(*q);
}

// "default", "forever" (0) or a number of days.
std::optional<std::optional<int64_t>> parse_retention(const std::string& v) {
    using R = std::optional<std::optional<int64_t>>;
    std::string l = to_lower(trim(v));
    if (l == "default") return R(std::in_place, std::nullopt);
    if (l == "forever") return R(std::in_place, 0);
    int64_t n = 0;
    auto [end, ec] = std::from_chars(l.data(), l.data() + l.size(), n);
    if (l.empty() || ec != std::errc() || end != l.data() + l.size() || n < 0) return std::nullopt;
    return R(std::in_place, n);
}

std::string retention_text(const std::optional<int64_t>& d) {
    if (!d) return "default";
    return *d == 0 ? "forever" : std::to_string(*d);
}

std::string user_line(const admin::UserInfo& u) {
    return u.name + " disabled=" + yes_no(u.disabled) + " password=" + yes_no(u.has_password) +
           " keep_copy=" + yes_no(u.keep_copy) + " forwards=" + join(u.forwards, ",") +
           " quota=" + quota_text(u.quota) +
           " spam_retention=" + retention_text(u.spam_retention_days);
}

struct UserArgs {
    std::string name;
    bool password_stdin = false;
    bool disable = false, enable = false;
    std::vector<std::string> forwards;
    bool no_forward = false;
    bool keep_copy = false, no_keep_copy = false;
    std::string quota, retention;
    CLI::Option* forward_opt = nullptr;
    CLI::Option* quota_opt = nullptr;
    CLI::Option* retention_opt = nullptr;

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
        quota_opt = cmd->add_option("--quota", quota,
                                    "storage quota: a size (500M, 2G), 'unlimited', or "
                                    "'default' (quota_default applies)");
        retention_opt = cmd->add_option("--spam-retention", retention,
                                        "days Junk messages are kept: a number, 'forever', or "
                                        "'default' (spam_retention_days applies)");
    }

    // Fails (and says why) when --quota or --spam-retention does not parse.
    bool options(Context& ctx, admin::UserOptions& o) const {
        o = options();
        if (quota_opt->count()) {
            auto q = parse_quota(quota);
            if (!q) {
                return ctx.check(admin::Status::error(
                    admin::Errc::Invalid, "'" + quota +
                                              "' is not a quota (a size like 500M or 2G, "
                                              "unlimited, or default)"));
            }
            o.quota = *q;
        }
        if (retention_opt->count()) {
            auto r = parse_retention(retention);
            if (!r) {
                return ctx.check(admin::Status::error(admin::Errc::Invalid,
                                                      "'" + retention +
                                                          "' is not a retention (a number of days, "
                                                          "forever, or default)"));
            }
            o.spam_retention_days = *r;
        }
        return true;
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
        admin::UserOptions opts;
        if (!add_args->options(ctx, opts)) return;
        if (add_args->password_stdin) pw = read_stdin_line();
        std::optional<std::string_view> pv;
        if (pw) pv = *pw;
        ctx.check(ctx.service().add_user(add_args->name, pv, opts));
    });

    auto set_args = std::make_shared<UserArgs>();
    auto* set = group->add_subcommand("set", "change a user's options");
    set_args->add_options(set);
    set->callback([&ctx, set_args] {
        admin::UserOptions opts;
        if (set_args->options(ctx, opts)) ctx.check(ctx.service().set_user(set_args->name, opts));
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

    auto show_name = std::make_shared<std::string>();
    auto* show = group->add_subcommand("show", "show one user");
    show->add_option("NAME", *show_name, "user name")->required();
    show->add_flag("--json", ctx.json, "print a JSON object");
    show->callback([&ctx, show_name] {
        auto r = ctx.service().get_user(*show_name);
        if (!ctx.check(r)) return;
        if (ctx.json) {
            std::cout << boost::json::serialize(admin::to_json(r.value)) << "\n";
        } else {
            std::cout << user_line(r.value) << "\n";
        }
    });

    auto* list = group->add_subcommand("list", "list users");
    list->add_flag("--json", ctx.json, "print a JSON array");
    list->callback([&ctx] { print_list(ctx, ctx.service().list_users(), user_line); });
}

}  // namespace magpie::cli
