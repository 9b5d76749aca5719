// `magpie settings get|set|reset|list`: run-time settings.
#include "cli/context.h"

namespace magpie::cli {

void add_settings_commands(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("settings", "run-time settings (see docs/settings.md)");
    group->require_subcommand(1);

    auto get_key = std::make_shared<std::string>();
    auto* get = group->add_subcommand("get", "print a setting's value");
    get->add_option("KEY", *get_key, "setting name")->required();
    get->add_flag("--json", ctx.json, "print a JSON object");
    get->callback([&ctx, get_key] {
        auto r = ctx.service().get_setting(*get_key);
        if (!ctx.check(r)) return;
        if (ctx.json)
            std::cout << boost::json::serialize(admin::to_json(r.value)) << "\n";
        else
            std::cout << r.value.value << "\n";
    });

    auto set_key = std::make_shared<std::string>();
    auto set_value = std::make_shared<std::string>();
    auto* set = group->add_subcommand("set", "change a setting (validated)");
    set->add_option("KEY", *set_key, "setting name")->required();
    set->add_option("VALUE", *set_value, "new value")->required();
    set->callback(
        [&ctx, set_key, set_value] { ctx.check(ctx.service().set_setting(*set_key, *set_value)); });

    auto reset_key = std::make_shared<std::string>();
    auto* reset = group->add_subcommand("reset", "return a setting to its default");
    reset->add_option("KEY", *reset_key, "setting name")->required();
    reset->callback([&ctx, reset_key] { ctx.check(ctx.service().reset_setting(*reset_key)); });

    auto* list = group->add_subcommand("list", "list every setting as key=value");
    list->add_flag("--json", ctx.json, "print a JSON array");
    list->callback([&ctx] {
        print_list(ctx, ctx.service().list_settings(),
                   [](const admin::SettingInfo& s) { return s.key + "=" + s.value; });
    });
}

}  // namespace magpie::cli
