// Run-time settings: the registry of every key with its type, default and help text,
// and the typed snapshot the servers read. Stored as key/value rows in the settings DB;
// only the service layer writes them.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cidr.h"

namespace magpie::store {

enum class SettingType { Int, Bool, String, Networks, Address, Size, Number };

struct SettingDef {
    std::string key;
    SettingType type;
    std::string default_value;
    std::string help;
};

// Every run-time setting. docs/settings.md lists the same table.
const std::vector<SettingDef>& setting_defs();
const SettingDef* find_setting(const std::string& key);
// Checks and canonicalises a value for `def` ("yes"/"on"/"1" -> "true", "10M" -> bytes);
// returns nullopt and sets *error when invalid.
std::optional<std::string> normalize_setting(const SettingDef& def, const std::string& value,
                                             std::string* error);

// A size as the settings take it: bytes, or a number with K, M or G (powers of 1024) and an
// optional trailing B. nullopt when invalid or too large.
std::optional<int64_t> parse_size(std::string_view v);

struct Settings {
    int64_t max_message_size = 20 * 1024 * 1024;  // bytes; SIZE advertised, 552 5.3.4 above it
    std::string always_bcc;                       // every accepted message also goes here
    CidrList relay_from;                          // may relay without AUTH (and bypass filters)
    // Counts as "inside": may relay and reach internal addresses.
    CidrList trusted_networks = *CidrList::parse("127.0.0.0/8,::1");
    bool smtp_auth_on_port25 = false;         // offer AUTH on port 25
    bool enforce_sender_login_match = false;  // MAIL FROM must be an address of the login
    bool allow_plaintext_auth = false;        // AUTH/LOGIN before TLS
    std::string recipient_delimiter = "+";    // user+ext@domain delivers to user@domain
    // Limits (Postfix-style named parameters).
    int64_t smtp_line_length_limit = 2048;         // command line, 500 5.5.2 above it
    int64_t smtp_data_line_limit = 65536;          // one message line in DATA
    int64_t smtp_header_size_limit = 1024 * 1024;  // header section, 552 5.3.4 above it
    int64_t smtp_recipient_limit = 1000;           // per message, 452 4.5.3 above it
    int64_t smtp_max_connections_per_ip = 50;      // port 25, 421 4.7.0 above it
    int64_t smtp_max_connections = 2000;           // port 25 in all, 421 4.3.2 above it
    int64_t submission_max_connections_per_ip = 50;  // 587+465, 421 4.7.0 above it
    int64_t submission_max_connections = 1000;       // 587+465 in all, 421 4.3.2 above it
    int64_t mail_max_connections_per_ip = 100;       // IMAP+POP3, BYE / -ERR [SYS/TEMP]
    int64_t mail_max_connections = 2000;             // IMAP+POP3 in all
    int64_t open_files_reserve = 128;                // descriptors never given to connections
    // Password-guessing throttle (auth/throttle.h); trusted_networks are exempt.
    int64_t auth_throttle_free_failures = 3;   // failures per address without a delay
    int64_t auth_throttle_delay_ms = 500;      // first delay, doubling per failure
    int64_t auth_throttle_max_delay_ms = 15000;
    int64_t auth_block_failures = 30;          // then the address is blocked
    int64_t auth_block_time = 600;             // seconds
    int64_t command_deadline = 60;        // seconds to send one command line (IMAP: before login)
    int64_t imap_login_max_command = 65536;  // bytes of one IMAP command before login, literals included
    int64_t smtp_max_auth_failures = 3;            // then 421 4.7.0 and disconnect
    int64_t smtp_auth_failure_delay_ms = 1000;     // before each failed-AUTH reply
    int64_t smtp_idle_timeout = 300;               // seconds without a command: 421 4.4.2
    int64_t smtp_hard_error_limit = 20;            // bad commands before 421 4.7.0
    int64_t smtp_max_commands = 10000;             // commands per session
    int64_t smtp_max_messages = 1000;              // messages per session
    // Outbound queue.
    int64_t queue_lifetime = 432000;      // seconds; then the message bounces
    int64_t delay_warning_time = 14400;   // seconds; NOTIFY=DELAY gets one warning then
    int64_t queue_retry_min = 300;        // seconds, doubling per attempt
    int64_t queue_retry_max = 4000;       // seconds
    int64_t queue_rescan_interval = 60;   // seconds between looks for unscheduled queue entries
    int64_t smtp_outbound_port = 25;      // port for MX delivery
    int64_t smtp_connect_timeout = 30;    // seconds
    int64_t smtp_command_timeout = 300;   // seconds per reply
    int64_t smtp_destination_concurrency = 20;
    std::string tls_ca_file;              // extra CAs for required TLS
    std::string helo_name;                         // outbound EHLO name; empty means the hostname
    int64_t bounce_size_limit = 50000;  // DSN without RET: whole original up to this size
    // Mailbox access (IMAP, POP3).
    int64_t mail_max_connections_per_user_ip = 20;  // IMAP+POP3 sessions of one user from one IP
    int64_t mail_max_auth_failures = 3;             // then BYE / -ERR and disconnect
    int64_t imap_idle_timeout = 1800;               // seconds; RFC 9051 §5.4 asks for 30 min
    int64_t pop3_idle_timeout = 600;                // seconds; RFC 1939 §3 asks for 10 min
    // Admin HTTP API (docs/api.md).
    int64_t api_session_lifetime = 3600;   // seconds a login token stays valid
    int64_t api_login_max_failures = 5;    // failed logins before the growing delay
    int64_t api_max_body_size = 1048576;   // bytes; 413 above it
    int64_t api_max_connections = 64;      // concurrent HTTP connections; 503 above it
    int64_t api_idle_timeout = 30;         // seconds a slow client may take per request
    std::string master_users;                       // users whose password opens "user*master"
    int64_t quota_default = 0;                      // bytes per user, 0 = unlimited
    bool move_deleted_to_trash = false;             // EXPUNGE moves \Deleted mail to Trash
    bool imap_action_log = false;                   // log each mailbox-changing IMAP action
    // Attachment blocking and antivirus (docs/attachments.md, docs/antivirus.md).
    bool filter_block_executables = true;        // 554 5.7.1 for executables, by content
    bool filter_block_archives = false;          // also for archives (docx/odt are zip)
    std::string filter_block_types;              // comma-separated MIME types, "type/*" allowed
    bool antivirus_enabled = true;               // scan with ClamAV
    bool antivirus_official_signatures = false;  // load main/daily/bytecode databases too
    std::string antivirus_clamd_socket;          // empty: in-process libclamav; else clamd

    // Filter (docs/filter.md).
    bool filter_enabled = true;               // run the filter on every accepted message
    CidrList filter_bypass_ips;               // clients whose mail skips every check
    std::string filter_bypass_senders;        // addresses or exact domains (envelope sender)
    std::string filter_bypass_recipients;     // addresses or exact domains (envelope recipient)
    std::string filter_allow_from;            // sender addresses or domains (+ subdomains): accept
    std::string filter_allow_to;              // recipient addresses or domains: accept
    std::string filter_block_from;            // sender addresses or domains: reject
    bool antispam_enabled = true;             // the spam score, GTUBE, greylisting, autolearn
    std::string gtube_patterns = "reject";    // reject | all | disabled (filter/rules.h)
    bool bayes_autolearn = true;              // learn from clear verdicts (docs/bayes.md)
    double bayes_autolearn_spam = 12;         // score without Bayes from which spam is learned
    double bayes_autolearn_ham = 0;           // ham learned when BAYES_HAM fired and score <= this
    double spam_greylist_threshold = 0;       // 0 = no greylisting
    double spam_flag_threshold = 6;           // X-Spam: Yes, Junk
    double spam_reject_threshold = 15;        // 554 5.7.1
    bool move_spam_to_junk = true;            // flagged spam goes to the recipient's Junk folder
    std::string spam_quarantine;              // public mailbox receiving spam instead of a reject
    std::string spam_subject_prefix;          // put before the Subject of flagged spam; empty = off
    bool spam_quarantine_notify = false;      // tell the postmaster about each quarantined message
    int64_t spam_retention_days = 15;         // days Junk messages are kept; 0 = forever
    int64_t greylist_delay = 300;             // seconds before a retry passes
    int64_t greylist_expire = 3024000;        // seconds a passed triplet stays known (35 days)
    bool spf_dkim_dmarc_checks = true;        // SPF, DKIM and DMARC results scored
    bool dmarc_enforce = false;               // carry out DMARC p=reject / p=quarantine
    std::string dnsbl_lists;                  // "zone=score, ...": client IP blocklists
    std::string uribl_lists;                  // "zone=score, ...": link domain blocklists

    // Unknown keys and invalid values are ignored (the default stays).
    static Settings from_map(const std::map<std::string, std::string>& values);
};

}  // namespace magpie::store
