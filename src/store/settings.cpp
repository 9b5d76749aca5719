// The run-time settings registry: one entry per Settings field, with its type, default,
// help text and how a canonical value is applied to the typed snapshot.
#include "store/settings.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <functional>
#include <limits>

#include "core/strings.h"
#include "store/address.h"

namespace magpie::store {
namespace {

struct Field {
    SettingDef def;
    std::function<void(Settings&, const std::string&)> apply;  // value is canonical
};

int64_t to_int(const std::string& v) {
    int64_t n = 0;
    std::from_chars(v.data(), v.data() + v.size(), n);
    return n;
}

Field int_field(std::string key, SettingType type, int64_t Settings::*m, std::string def,
                std::string help) {
    return {{std::move(key), type, std::move(def), std::move(help)},
            [m](Settings& s, const std::string& v) { s.*m = to_int(v); }};
}

Field bool_field(std::string key, bool Settings::*m, std::string def, std::string help) {
    return {{std::move(key), SettingType::Bool, std::move(def), std::move(help)},
            [m](Settings& s, const std::string& v) { s.*m = v == "true"; }};
}

Field string_field(std::string key, SettingType type, std::string Settings::*m, std::string def,
                   std::string help) {
    return {{std::move(key), type, std::move(def), std::move(help)},
            [m](Settings& s, const std::string& v) { s.*m = v; }};
}

Field number_field(std::string key, double Settings::*m, std::string def, std::string help) {
    return {{std::move(key), SettingType::Number, std::move(def), std::move(help)},
            [m](Settings& s, const std::string& v) { s.*m = std::strtod(v.c_str(), nullptr); }};
}

Field networks_field(std::string key, CidrList Settings::*m, std::string def, std::string help) {
    return {
        {std::move(key), SettingType::Networks, std::move(def), std::move(help)},
        [m](Settings& s, const std::string& v) { s.*m = CidrList::parse(v).value_or(CidrList{}); }};
}

const std::vector<Field>& fields() {
    using T = SettingType;
    using S = Settings;
    static const std::vector<Field> table = {
        int_field("max_message_size", T::Size, &S::max_message_size, "20971520",
                  "Largest accepted message in bytes; advertised with SIZE, 552 5.3.4 above it."),
        string_field("always_bcc", T::Address, &S::always_bcc, "",
                     "Address that receives a copy of every accepted message; empty means off."),
        networks_field("relay_from", &S::relay_from, "",
                       "Networks that may relay without AUTH (and bypass filters)."),
        networks_field("trusted_networks", &S::trusted_networks, "127.0.0.0/8,::1",
                       "Networks that count as inside: may relay and reach internal addresses."),
        bool_field("smtp_auth_on_port25", &S::smtp_auth_on_port25, "false",
                   "Offer AUTH on port 25 as well as on submission ports."),
        bool_field("enforce_sender_login_match", &S::enforce_sender_login_match, "false",
                   "Authenticated senders may only use MAIL FROM addresses that reach them."),
        bool_field("allow_plaintext_auth", &S::allow_plaintext_auth, "false",
                   "Allow AUTH PLAIN/LOGIN on connections without TLS."),
        string_field("recipient_delimiter", T::String, &S::recipient_delimiter, "+",
                     "Characters that separate a local part from its extension "
                     "(user+tag@domain reaches user@domain); empty means off."),
        int_field("smtp_line_length_limit", T::Int, &S::smtp_line_length_limit, "2048",
                  "Longest SMTP command line in bytes; 500 5.5.2 above it."),
        int_field("smtp_data_line_limit", T::Int, &S::smtp_data_line_limit, "65536",
                  "Longest message line in DATA, in bytes."),
        int_field("smtp_header_size_limit", T::Size, &S::smtp_header_size_limit, "1048576",
                  "Largest header section in bytes; 552 5.3.4 above it."),
        int_field("smtp_recipient_limit", T::Int, &S::smtp_recipient_limit, "1000",
                  "Recipients per message; 452 4.5.3 above it."),
        int_field("smtp_max_connections_per_ip", T::Int, &S::smtp_max_connections_per_ip, "50",
                  "Concurrent connections to port 25 from one IP address; 421 4.7.0 above it."),
        int_field("smtp_max_connections", T::Int, &S::smtp_max_connections, "2000",
                  "Concurrent connections to port 25 in total; 421 4.3.2 above it."),
        int_field("submission_max_connections_per_ip", T::Int, &S::submission_max_connections_per_ip,
                  "50", "Concurrent connections to the submission ports (587, 465) from one IP address; "
                  "421 4.7.0 above it."),
        int_field("submission_max_connections", T::Int, &S::submission_max_connections, "1000",
                  "Concurrent connections to the submission ports (587, 465) in total; 421 4.3.2 above it."),
        int_field("mail_max_connections_per_ip", T::Int, &S::mail_max_connections_per_ip, "100",
                  "Concurrent IMAP and POP3 connections from one IP address, logged in or not; "
                  "* BYE / -ERR [SYS/TEMP] above it."),
        int_field("mail_max_connections", T::Int, &S::mail_max_connections, "2000",
                  "Concurrent IMAP and POP3 connections in total; * BYE / -ERR [SYS/TEMP] above it."),
        int_field("open_files_reserve", T::Int, &S::open_files_reserve, "128",
                  "File descriptors never given to client connections (kept for queue files, "
                  "mailboxes, the database and logs)."),
        int_field("auth_throttle_free_failures", T::Int, &S::auth_throttle_free_failures, "3",
                  "Failed logins (SMTP AUTH, IMAP, POP3) from one address answered without delay; "
                  "after them each attempt from that address waits its turn."),
        int_field("auth_throttle_delay_ms", T::Int, &S::auth_throttle_delay_ms, "500",
                  "Spacing of login attempts after the free failures, in milliseconds, doubling per "
                  "further failure; shared by all connections and protocols of the address."),
        int_field("auth_throttle_max_delay_ms", T::Int, &S::auth_throttle_max_delay_ms, "15000",
                  "Longest spacing of login attempts from one address, in milliseconds."),
        int_field("auth_block_failures", T::Int, &S::auth_block_failures, "30",
                  "Failed logins from one address (within 15 quiet minutes) before it is blocked; "
                  "trusted_networks are exempt from the throttle."),
        int_field("auth_block_time", T::Int, &S::auth_block_time, "600",
                  "Seconds a blocked address has every login answered as failed without a check."),
        int_field("command_deadline", T::Int, &S::command_deadline, "60",
                  "Seconds a client may take to send one command line (SMTP, POP3; IMAP before login: "
                  "the whole command), however slowly the bytes come; then the idle-timeout reply and close."),
        int_field("imap_login_max_command", T::Size, &S::imap_login_max_command, "65536",
                  "Largest IMAP command before login, literals included, in bytes; BAD [TOOBIG] and "
                  "close above it."),
        int_field("smtp_max_auth_failures", T::Int, &S::smtp_max_auth_failures, "3",
                  "Failed AUTH attempts per session before 421 4.7.0 and disconnect."),
        int_field("smtp_auth_failure_delay_ms", T::Int, &S::smtp_auth_failure_delay_ms, "1000",
                  "Delay before each failed-AUTH reply, in milliseconds."),
        int_field("smtp_idle_timeout", T::Int, &S::smtp_idle_timeout, "300",
                  "Seconds without a command before 421 4.4.2 and disconnect."),
        int_field("smtp_hard_error_limit", T::Int, &S::smtp_hard_error_limit, "20",
                  "Bad commands per session before 421 4.7.0 and disconnect."),
        int_field("smtp_max_commands", T::Int, &S::smtp_max_commands, "10000",
                  "Commands per SMTP session."),
        int_field("smtp_max_messages", T::Int, &S::smtp_max_messages, "1000",
                  "Messages per SMTP session."),
        string_field("helo_name", T::String, &S::helo_name, "",
                     "Name the outbound SMTP client sends in EHLO/HELO; empty means the hostname."),
        int_field("bounce_size_limit", T::Size, &S::bounce_size_limit, "50000",
                  "Largest original message returned whole in a delivery status notification "
                  "without RET; above it only the header is returned."),
        int_field("mail_max_connections_per_user_ip", T::Int, &S::mail_max_connections_per_user_ip,
                  "20", "Concurrent IMAP and POP3 sessions of one user from one IP address."),
        int_field("mail_max_auth_failures", T::Int, &S::mail_max_auth_failures, "3",
                  "Failed IMAP/POP3 logins per connection before it is closed."),
        int_field("imap_idle_timeout", T::Int, &S::imap_idle_timeout, "1800",
                  "Seconds an IMAP connection may stay silent (IDLE included) before BYE."),
        int_field("pop3_idle_timeout", T::Int, &S::pop3_idle_timeout, "600",
                  "Seconds a POP3 connection may stay silent before it is closed."),
        int_field("api_session_lifetime", T::Int, &S::api_session_lifetime, "3600",
                  "Seconds an admin API login token stays valid."),
        int_field("api_login_max_failures", T::Int, &S::api_login_max_failures, "5",
                  "Failed API logins per account (4x per IP) before each further attempt "
                  "waits a doubling delay."),
        int_field("api_max_body_size", T::Size, &S::api_max_body_size, "1048576",
                  "Largest admin API request body in bytes; 413 above it."),
        int_field("api_max_connections", T::Int, &S::api_max_connections, "64",
                  "Concurrent admin API (HTTP/HTTPS) connections; 503 above it."),
        int_field("api_idle_timeout", T::Int, &S::api_idle_timeout, "30",
                  "Seconds an admin API client may take to send a request (or stay idle "
                  "between requests) before it is disconnected."),
        string_field("master_users", T::String, &S::master_users, "",
                     "Comma-separated users who may log in as anyone with \"user*master\" and "
                     "their own password, with full rights on the user's mailboxes."),
        int_field("quota_default", T::Size, &S::quota_default, "0",
                  "Mailbox storage quota of users without their own, in bytes; 0 is unlimited."),
        bool_field("move_deleted_to_trash", &S::move_deleted_to_trash, "false",
                   "IMAP EXPUNGE moves messages flagged \\Deleted to Trash instead of removing "
                   "them (outside Trash)."),
        bool_field("imap_action_log", &S::imap_action_log, "false",
                   "Log each IMAP action that changes a mailbox (append, copy, move, expunge, "
                   "flag changes) to the maillog."),
        bool_field("filter_enabled", &S::filter_enabled, "true",
                   "Run the filter (antispam, antivirus, attachments) on every accepted message."),
        networks_field("filter_bypass_ips", &S::filter_bypass_ips, "",
                       "Client addresses or networks whose mail skips every filter check."),
        string_field("filter_bypass_senders", T::String, &S::filter_bypass_senders, "",
                     "Envelope senders (addresses, or domains matched exactly) whose mail skips "
                     "every filter check; comma-separated."),
        string_field("filter_bypass_recipients", T::String, &S::filter_bypass_recipients, "",
                     "Envelope recipients (addresses, or domains matched exactly) whose mail "
                     "skips every filter check; comma-separated."),
        string_field("filter_allow_from", T::String, &S::filter_allow_from, "",
                     "Senders (addresses, or domains with their subdomains) always accepted "
                     "without antispam and antivirus; comma-separated."),
        string_field("filter_allow_to", T::String, &S::filter_allow_to, "",
                     "Recipients (addresses, or domains with their subdomains) always accepted "
                     "without antispam and antivirus; comma-separated."),
        string_field("filter_block_from", T::String, &S::filter_block_from, "",
                     "Senders (addresses, or domains with their subdomains) always rejected; "
                     "allow lists win; comma-separated."),
        bool_field("antispam_enabled", &S::antispam_enabled, "true",
                   "Score messages for spam (rules, GTUBE, Bayes, SPF/DKIM/DMARC, blocklists) "
                   "and act on the thresholds; off leaves attachment blocking and antivirus."),
        string_field("gtube_patterns", T::String, &S::gtube_patterns, "reject",
                     "GTUBE test patterns: reject (the standard one is always rejected), all "
                     "(Rspamd's add-header, rewrite-subject and no-action variants too), "
                     "disabled."),
        bool_field("bayes_autolearn", &S::bayes_autolearn, "true",
                   "Teach the Bayes classifier from clear verdicts, within limits (see "
                   "bayes_autolearn_spam and bayes_autolearn_ham)."),
        number_field("bayes_autolearn_spam", &S::bayes_autolearn_spam, "12",
                     "Autolearn as spam when the score without the Bayes rule reaches this."),
        number_field("bayes_autolearn_ham", &S::bayes_autolearn_ham, "0",
                     "Autolearn as ham when the BAYES_HAM rule fired and the whole score is at "
                     "most this (scores are not negative here: Bayes's negative points count)."),
        number_field("spam_greylist_threshold", &S::spam_greylist_threshold, "0",
                     "Spam score from which a first attempt is deferred (451 4.7.1); 0 is off."),
        number_field("spam_flag_threshold", &S::spam_flag_threshold, "6",
                     "Spam score from which a message is marked X-Spam: Yes (and moved to Junk "
                     "when move_spam_to_junk is on)."),
        number_field("spam_reject_threshold", &S::spam_reject_threshold, "15",
                     "Spam score from which a message is rejected (554 5.7.1)."),
        bool_field("move_spam_to_junk", &S::move_spam_to_junk, "true",
                   "Deliver messages marked as spam to the recipient's Junk folder."),
        string_field("spam_quarantine", T::String, &S::spam_quarantine, "",
                     "Public mailbox that receives messages over the reject threshold instead "
                     "of rejecting them; empty rejects."),
        string_field("spam_subject_prefix", T::String, &S::spam_subject_prefix, "",
                     "Text put before the Subject of messages marked as spam (e.g. ***SPAM***) "
                     "in delivered and relayed copies; empty means off."),
        bool_field("spam_quarantine_notify", &S::spam_quarantine_notify, "false",
                   "Send the postmaster a notification for each message put in the "
                   "spam_quarantine mailbox."),
        int_field("spam_retention_days", T::Int, &S::spam_retention_days, "15",
                  "Days messages stay in users' Junk folders before they are expunged (hourly); "
                  "0 keeps them. A user's own value (magpie user set --spam-retention) wins."),
        int_field("greylist_delay", T::Int, &S::greylist_delay, "300",
                  "Seconds a greylisted sender must wait before its retry is accepted."),
        int_field("greylist_expire", T::Int, &S::greylist_expire, "3024000",
                  "Seconds a sender/recipient/network triplet that passed greylisting stays "
                  "known."),
        bool_field("spf_dkim_dmarc_checks", &S::spf_dkim_dmarc_checks, "true",
                   "Check SPF, DKIM signatures and DMARC on mail from unauthenticated clients, "
                   "score the results and record them in an Authentication-Results header."),
        bool_field("dmarc_enforce", &S::dmarc_enforce, "false",
                   "Carry out the sender domain's DMARC policy: reject (554 5.7.1) on p=reject, "
                   "mark as spam on p=quarantine. Off: DMARC failures only add to the score."),
        string_field("dnsbl_lists", T::String, &S::dnsbl_lists, "zen.spamhaus.org=4",
                     "DNS blocklists of client IPs, as zone=score entries, comma-separated; "
                     "empty turns the lookups off."),
        string_field("uribl_lists", T::String, &S::uribl_lists, "dbl.spamhaus.org=4",
                     "DNS blocklists of the domains linked in messages, as zone=score entries, "
                     "comma-separated; empty turns the lookups off."),
        bool_field("filter_block_executables", &S::filter_block_executables, "true",
                   "Reject messages carrying executables (PE, MSI, ELF, Mach-O, Java, scripts), "
                   "recognised by content, inside archives too."),
        bool_field("filter_block_archives", &S::filter_block_archives, "false",
                   "Reject messages carrying archives (zip, rar, 7z, tar, gzip...); docx, xlsx "
                   "and odt files are zip archives and are caught too."),
        string_field("filter_block_types", T::String, &S::filter_block_types, "",
                     "Comma-separated MIME types (\"type/*\" allowed) whose attachments are "
                     "rejected, recognised by content."),
        bool_field("antivirus_enabled", &S::antivirus_enabled, "true",
                   "Scan messages with ClamAV and reject infected ones with 554 5.7.1."),
        bool_field("antivirus_official_signatures", &S::antivirus_official_signatures, "false",
                   "Load ClamAV's official databases (main, daily, bytecode) found in "
                   "data_dir/clamav; they take about 1 GB of memory."),
        string_field("antivirus_clamd_socket", T::String, &S::antivirus_clamd_socket, "",
                     "Scan through clamd at this unix socket path or host:port instead of "
                     "in-process; empty means in-process."),
        int_field("queue_lifetime", T::Int, &S::queue_lifetime, "432000",
                  "Seconds a message may stay queued for remote delivery before it bounces "
                  "(default 120 hours, RFC 5321 §4.5.4.1)."),
        int_field("delay_warning_time", T::Int, &S::delay_warning_time, "14400",
                  "Seconds after which a sender that asked for NOTIFY=DELAY gets one \"delayed\" "
                  "notification for recipients still being retried; 0 means never."),
        int_field("queue_retry_min", T::Int, &S::queue_retry_min, "300",
                  "First retry delay after a temporary failure, in seconds; doubles per attempt."),
        int_field("queue_retry_max", T::Int, &S::queue_retry_max, "4000",
                  "Longest retry delay, in seconds."),
        int_field("queue_rescan_interval", T::Int, &S::queue_rescan_interval, "60",
                  "Seconds between looks through queue/active for messages nobody has scheduled "
                  "(a lost hand-off); each one found is logged and delivered."),
        int_field("smtp_outbound_port", T::Int, &S::smtp_outbound_port, "25",
                  "TCP port used for delivery to MX hosts."),
        int_field("smtp_connect_timeout", T::Int, &S::smtp_connect_timeout, "30",
                  "Seconds to wait for an outbound TCP connection."),
        int_field("smtp_command_timeout", T::Int, &S::smtp_command_timeout, "300",
                  "Seconds to wait for each reply of a remote SMTP server."),
        int_field("smtp_destination_concurrency", T::Int, &S::smtp_destination_concurrency, "20",
                  "Parallel outbound connections per destination (domain or relay host)."),
        string_field("tls_ca_file", T::String, &S::tls_ca_file, "",
                     "Extra PEM CA bundle trusted when a relay rule requires TLS (besides the "
                     "system CA store)."),
    };
    return table;
}

std::optional<int64_t> parse_int(std::string_view v) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || n < 0) return std::nullopt;
    return n;
}

std::optional<std::string> normalize_size(std::string_view v) {
    auto n = parse_size(v);
    if (!n) return std::nullopt;
    return std::to_string(*n);
}

std::optional<std::string> normalize_bool(const std::string& v) {
    auto l = to_lower(v);
    if (l == "true" || l == "yes" || l == "on" || l == "1") return "true";
    if (l == "false" || l == "no" || l == "off" || l == "0") return "false";
    return std::nullopt;
}

std::string cidr_str(const Cidr& c) {
    int bits = c.net.v4 ? c.prefix - 96 : c.prefix;
    int full = c.net.v4 ? 32 : 128;
    auto s = c.net.str();
    return bits == full ? s : s + "/" + std::to_string(bits);
}

}  // namespace

std::optional<int64_t> parse_size(std::string_view v) {
    int64_t mult = 1;
    if (!v.empty() && (v.back() == 'b' || v.back() == 'B')) v.remove_suffix(1);
    if (!v.empty()) {
        switch (v.back()) {
            case 'k':
            case 'K':
                mult = int64_t{1} << 10;
                break;
            case 'm':
            case 'M':
                mult = int64_t{1} << 20;
                break;
            case 'g':
            case 'G':
                mult = int64_t{1} << 30;
                break;
            default:
                break;
        }
        if (mult != 1) v.remove_suffix(1);
    }
    auto n = parse_int(v);
    if (!n || *n > std::numeric_limits<int64_t>::max() / mult) return std::nullopt;
    return *n * mult;
}

namespace {

// "Application/X-Foo, image/*" -> "application/x-foo,image/*".
std::optional<std::string> normalize_type_list(const std::string& v, const SettingDef& def,
                                               std::string* error) {
    std::vector<std::string> out;
    for (auto& item : split_list(to_lower(v), ", \t")) {
        auto slash = item.find('/');
        if (slash == 0 || slash == std::string::npos || slash + 1 == item.size() ||
            item.find('/', slash + 1) != std::string::npos) {
            if (error) *error = def.key + ": '" + item + "' is not a MIME type (type/subtype)";
            return std::nullopt;
        }
        out.push_back(item);
    }
    return join(out, ",");
}

}  // namespace

const std::vector<SettingDef>& setting_defs() {
    static const std::vector<SettingDef> defs = [] {
        std::vector<SettingDef> out;
        for (auto& f : fields()) out.push_back(f.def);
        return out;
    }();
    return defs;
}

const SettingDef* find_setting(const std::string& key) {
    for (auto& d : setting_defs())
        if (d.key == key) return &d;
    return nullptr;
}

std::optional<std::string> normalize_setting(const SettingDef& def, const std::string& value,
                                             std::string* error) {
    auto set_error = [&](const std::string& msg) {
        if (error) *error = def.key + ": " + msg;
        return std::nullopt;
    };
    std::string v(trim(value));
    for (char c : v)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return set_error("control characters are not allowed");
    switch (def.type) {
        case SettingType::Int:
            if (auto n = parse_int(v)) return std::to_string(*n);
            return set_error("'" + v + "' is not a non-negative integer");
        case SettingType::Size:
            if (auto n = normalize_size(v)) return n;
            return set_error("'" + v + "' is not a size (bytes, or a number with K, M or G)");
        case SettingType::Bool:
            if (auto b = normalize_bool(v)) return b;
            return set_error("'" + v + "' is not a boolean (true/false, yes/no, on/off, 1/0)");
        case SettingType::Networks: {
            std::string bad;
            auto list = CidrList::parse(v, &bad);
            if (!list) return set_error("'" + bad + "' is not an IP address or network");
            std::vector<std::string> parts;
            for (auto& c : list->nets) parts.push_back(cidr_str(c));
            return join(parts, ",");
        }
        case SettingType::Number: {
            char* end = nullptr;
            double d = std::strtod(v.c_str(), &end);
            if (v.empty() || end != v.c_str() + v.size() || !(d >= 0) || d > 1e9)
                return set_error("'" + v + "' is not a non-negative number");
            return fmt::format("{}", d);
        }
        case SettingType::Address:
            if (v.empty()) return v;
            if (valid_email(v)) return normalize_remote(v);
            return set_error("'" + v + "' is not an address of the form local@domain");
        case SettingType::String:
            if (def.key == "recipient_delimiter" &&
                v.find_first_of("@ \t\"\\") != std::string::npos)
                return set_error("must not contain '@', spaces, quotes or backslashes");
            if (def.key == "filter_block_types") return normalize_type_list(v, def, error);
            if (def.key == "gtube_patterns") {
                std::string l = to_lower(v);
                if (l != "reject" && l != "all" && l != "disabled")
                    return set_error("'" + v + "' is not reject, all or disabled");
                return l;
            }
            return v;
    }
    return set_error("unknown type");
}

Settings Settings::from_map(const std::map<std::string, std::string>& values) {
    Settings s;
    for (auto& f : fields()) {
        auto it = values.find(f.def.key);
        std::optional<std::string> v;
        if (it != values.end()) v = normalize_setting(f.def, it->second, nullptr);
        f.apply(s, v ? *v : f.def.default_value);
    }
    return s;
}

}  // namespace magpie::store
