// `magpie queue list|show|resend|delete`: the mail queue, while the server runs.
#include "cli/context.h"
#include "core/strings.h"
#include "queue/queue_admin.h"

namespace magpie::cli {
namespace {

std::string line(const admin::QueueItemInfo& q) {
    return q.id + " " + queue::format_time_iso(q.arrival) + " " + std::to_string(q.size) + " <" +
           q.sender + "> " + join(q.recipients, ",") +
           (q.reason.empty() ? "" : " (" + q.reason + ")") + (q.overdue ? " OVERDUE" : "");
}

}  // namespace

void add_queue_commands(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("queue", "the mail queue");
    group->require_subcommand(1);

    auto* list = group->add_subcommand("list", "list queued messages");
    list->add_flag("--json", ctx.json, "print a JSON array");
    list->callback([&ctx] { print_list(ctx, ctx.service().queue_list(), line); });

    auto show_id = std::make_shared<std::string>();
    auto* show = group->add_subcommand("show", "print a queued message with its envelope");
    show->add_option("ID", *show_id, "queue ID")->required();
    show->callback([&ctx, show_id] {
        auto r = ctx.service().queue_show(*show_id);
        if (ctx.check(r)) std::cout << r.value;
    });

    struct Target {
        std::string id;
        bool all = false;
    };
    auto add_target = [](CLI::App* cmd, Target& t) {
        auto* id = cmd->add_option("ID", t.id, "queue ID");
        auto* all = cmd->add_flag("--all", t.all, "every queued message")->excludes(id);
        cmd->require_option(1);
        (void)all;
    };

    auto resend_t = std::make_shared<Target>();
    auto* resend = group->add_subcommand("resend", "ask the running server to retry now");
    add_target(resend, *resend_t);
    resend->callback([&ctx, resend_t] {
        ctx.check(ctx.service().queue_resend(resend_t->all ? "" : resend_t->id));
    });

    auto delete_t = std::make_shared<Target>();
    auto* del = group->add_subcommand("delete", "delete queued messages (no bounce is sent)");
    add_target(del, *delete_t);
    del->callback([&ctx, delete_t] {
        if (delete_t->all)
            ctx.check(ctx.service().queue_delete_all());
        else
            ctx.check(ctx.service().queue_delete(delete_t->id));
    });
}

}  // namespace magpie::cli
