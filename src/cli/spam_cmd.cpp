// `magpie spam learn --spam|--ham PATH...` and `magpie spam status`: training the system's
// Bayes classifier from message files and Maildir folders, and its progress (docs/bayes.md).
// `magpie spam expire`: the running server's Junk expiry, now (docs/filter.md).
#include <boost/json.hpp>
#include <iostream>

#include "cli/context.h"

namespace magpie::cli {
namespace {

struct LearnArgs {
    bool spam = false, ham = false;
    std::vector<std::string> paths;
};

void print_summary(Context& ctx, const admin::Result<admin::SpamLearnSummary>& r) {
    if (!ctx.check(r)) return;
    const auto& s = r.value;
    if (ctx.json) {
        std::cout << boost::json::serialize(admin::to_json(s)) << "\n";
    } else {
        std::cout << "learned " << s.learned << " of " << s.messages << " message(s)";
        if (s.moved) std::cout << ", " << s.moved << " moved from the other label";
        if (s.already_known) std::cout << ", " << s.already_known << " already known";
        std::cout << "\n";
        for (const auto& f : s.failed) std::cerr << "magpie: " << f << "\n";
    }
    if (!s.failed.empty()) ctx.exit_code = 1;
}

void print_progress(Context& ctx, const admin::Result<admin::SpamProgress>& r) {
    if (!ctx.check(r)) return;
    const auto& p = r.value;
    if (ctx.json) {
        std::cout << boost::json::serialize(admin::to_json(p)) << "\n";
        return;
    }
    std::cout << "spam learned: " << p.spam_learned << " (needs " << p.min_spam << ")\n"
              << "ham learned:  " << p.ham_learned << " (needs " << p.min_ham << ")\n"
              << "training:     " << p.percent << "%\n"
              << "bayes:        " << (p.active ? "active" : "inactive") << "\n";
}

}  // namespace

void add_spam_commands(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("spam", "the Bayesian spam classifier and Junk expiry");
    group->require_subcommand(1);

    auto args = std::make_shared<LearnArgs>();
    auto* learn =
        group->add_subcommand("learn", "learn message files or Maildir folders as spam or as ham");
    auto* spam = learn->add_flag("--spam", args->spam, "the messages are spam");
    auto* ham = learn->add_flag("--ham", args->ham, "the messages are ham (not spam)");
    spam->excludes(ham);
    learn->add_option("PATH", args->paths, "message files or Maildir folders")->required();
    learn->add_flag("--json", ctx.json, "print the result as JSON");
    learn->callback([&ctx, args] {
        if (!args->spam && !args->ham) throw CLI::RequiredError("--spam or --ham");
        print_summary(ctx, ctx.service().spam_learn(args->paths, args->spam));
    });

    auto* expire = group->add_subcommand(
        "expire", "have the running server expunge old Junk messages now (spam_retention_days)");
    expire->callback([&ctx] {
        if (ctx.check(ctx.service().spam_expire()))
            std::cout << "Junk expiry requested; the running server does it within a second "
                         "and logs the result to the maillog\n";
    });

    auto* status = group->add_subcommand("status", "how much has been learned; active or not");
    status->add_flag("--json", ctx.json, "print the result as JSON");
    status->callback([&ctx] { print_progress(ctx, ctx.service().spam_progress()); });
}

}  // namespace magpie::cli
