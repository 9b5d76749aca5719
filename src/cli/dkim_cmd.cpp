// `magpie dkim show|enable|disable|rotate|sign`: per-domain DKIM keys and the DNS record to
// publish for them (docs/dkim.md).
#include <boost/json.hpp>
#include <iostream>
#include <iterator>

#include "cli/context.h"
#include "dkim/signer.h"

namespace magpie::cli {
namespace {

void print_info(Context& ctx, const admin::DkimInfo& i, bool txt_only, bool zone_only) {
    if (ctx.json) {
        std::cout << boost::json::serialize(admin::to_json(i)) << "\n";
    } else if (txt_only) {
        std::cout << i.txt_record << "\n";
    } else if (zone_only) {
        std::cout << i.zone_line << "\n";
    } else {
        std::cout << "domain:    " << i.domain << "\n"
                  << "selector:  " << i.selector << "\n"
                  << "algorithm: " << i.algorithm << "\n"
                  << "signing:   " << (i.enabled ? "enabled" : "disabled") << "\n"
                  << "key file:  " << i.key_path << "\n"
                  << "record:    " << i.dns_name << " TXT\n"
                  << "\n"
                  << i.txt_record << "\n"
                  << "\n"
                  << i.zone_line << "\n";
    }
}

struct ShowArgs {
    std::string domain;
    bool txt = false, zone = false;
};

struct RotateArgs {
    std::string domain;
    bool ed25519 = false, rsa = false;
};

}  // namespace

void add_dkim_commands(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("dkim", "DKIM signing keys of the mail domains");
    group->require_subcommand(1);

    auto show_args = std::make_shared<ShowArgs>();
    auto* show = group->add_subcommand("show", "show a domain's key and the DNS TXT record");
    show->add_option("DOMAIN", show_args->domain, "mail domain")->required();
    auto* txt = show->add_flag("--txt", show_args->txt, "print only the TXT record value");
    show->add_flag("--zone", show_args->zone, "print only the BIND zone-file line")->excludes(txt);
    show->add_flag("--json", ctx.json, "print a JSON object");
    show->callback([&ctx, show_args] {
        auto r = ctx.service().dkim_show(show_args->domain);
        if (ctx.check(r)) print_info(ctx, r.value, show_args->txt, show_args->zone);
    });

    for (bool on : {true, false}) {
        auto domain = std::make_shared<std::string>();
        auto* cmd = group->add_subcommand(on ? "enable" : "disable",
                                          on ? "sign the domain's outbound mail (default)"
                                             : "stop signing the domain's outbound mail");
        cmd->add_option("DOMAIN", *domain, "mail domain")->required();
        cmd->callback(
            [&ctx, domain, on] { ctx.check(ctx.service().dkim_set_enabled(*domain, on)); });
    }

    auto rot = std::make_shared<RotateArgs>();
    auto* rotate = group->add_subcommand(
        "rotate", "replace a domain's key (publish the new record right away)");
    rotate->add_option("DOMAIN", rot->domain, "mail domain")->required();
    auto* ed = rotate->add_flag("--ed25519", rot->ed25519, "make an Ed25519 key (RFC 8463)");
    rotate->add_flag("--rsa", rot->rsa, "make an RSA 2048 key")->excludes(ed);
    rotate->callback([&ctx, rot] {
        std::optional<dkim::KeyType> type;
        if (rot->ed25519) type = dkim::KeyType::Ed25519;
        if (rot->rsa) type = dkim::KeyType::Rsa;
        auto r = ctx.service().dkim_rotate(rot->domain, type);
        if (ctx.check(r)) print_info(ctx, r.value, false, false);
    });

    // For ops and tests: sign a message read from stdin as the outbound path would.
    auto sign_domain = std::make_shared<std::string>();
    auto sign_header_only = std::make_shared<bool>(false);
    auto* sign = group->add_subcommand(
        "sign", "sign a message read from stdin; writes the signed message to stdout");
    sign->add_option("DOMAIN", *sign_domain, "mail domain whose key signs")->required();
    sign->add_flag("--header-only", *sign_header_only, "print only the DKIM-Signature field");
    sign->callback([&ctx, sign_domain, sign_header_only] {
        auto key = ctx.service().dkim_signing_key(*sign_domain);
        if (!ctx.check(key)) return;
        if (!key.value) {
            ctx.check(admin::Status::error(admin::Errc::Invalid,
                                           "DKIM signing is disabled for " + *sign_domain));
            return;
        }
        std::string msg{std::istreambuf_iterator<char>(std::cin), {}};
        auto field = dkim::sign(msg, *key.value);
        if (msg.find("\r\n") == std::string::npos) {  // keep a bare-LF file consistent
            std::string lf;
            for (char c : field)
                if (c != '\r') lf += c;
            field = lf;
        }
        std::cout << field;
        if (!*sign_header_only) std::cout << msg;
        std::cout.flush();
    });
}

}  // namespace magpie::cli
