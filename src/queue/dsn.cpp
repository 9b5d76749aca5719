// DSN policy (RFC 3461) and composition (RFC 3464 delivery-status inside an RFC 6522
// multipart/report). Every line ends in CRLF; fields are sanitised to one line each.
#include "queue/dsn.h"

#include <ctime>

#include "core/strings.h"
#include "queue/envelope_codec.h"

namespace magpie::queue {
namespace {

constexpr std::string_view kCrlf = "\r\n";

bool has_token(std::string_view list, std::string_view token) {
    for (auto& t : split_list(list))
        if (iequals(t, token)) return true;
    return false;
}

// One header/field line value: CR, LF and other controls become spaces, cut to `max`.
std::string field_value(std::string_view v, size_t max = kDsnMaxDiagnostic) {
    std::string out;
    for (char c : v.substr(0, max)) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? ' ' : c;
    }
    return std::string(trim(out));
}

bool is_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

// Bare LF (and a lone CR) become CRLF; the result ends with CRLF unless empty.
std::string to_crlf(std::string_view in) {
    std::string out;
    out.reserve(in.size() + in.size() / 64 + 2);
    for (size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '\r') {
            out += kCrlf;
            if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
        } else if (c == '\n') {
            out += kCrlf;
        } else {
            out += c;
        }
    }
    if (!out.empty() && (out.size() < 2 || out.substr(out.size() - 2) != kCrlf)) out += kCrlf;
    return out;
}

// The header section of a message including its final line end (not the empty line).
std::string_view header_of(std::string_view msg) {
    for (size_t pos = 0; pos < msg.size();) {
        size_t nl = msg.find('\n', pos);
        if (nl == std::string_view::npos) return msg;
        std::string_view line = msg.substr(pos, nl - pos);
        if (line.empty() || line == "\r") return msg.substr(0, pos);
        pos = nl + 1;
    }
    return msg;
}

// "d.d.d" with a class of 2, 4 or 5 (RFC 3463 §2).
bool valid_status(std::string_view s) {
    auto parts = split_list(s, ".");
    if (parts.size() != 3 || s.size() > 11) return false;
    for (auto& p : parts) {
        if (p.empty() || p.size() > 3) return false;
        for (char c : p)
            if (c < '0' || c > '9') return false;
    }
    return parts[0] == "2" || parts[0] == "4" || parts[0] == "5";
}

std::string status_for(const DsnRecipient& r) {
    if (valid_status(r.status)) return r.status;
    if (r.action == "failed") return "5.0.0";
    if (r.action == "delayed") return "4.0.0";
    return "2.0.0";
}

// RFC 3464 §2.3.1: "address-type; generic-address"; ORCPT's xtext is decoded
// (RFC 3461 §4.2). A value without a type is taken as an rfc822 address.
std::string original_recipient(std::string_view orcpt) {
    auto semi = orcpt.find(';');
    if (semi == std::string_view::npos) return "rfc822; " + field_value(orcpt);
    auto type = trim(orcpt.substr(0, semi));
    auto raw = trim(orcpt.substr(semi + 1));
    auto decoded = xtext_decode(raw);
    return field_value(type) + "; " + field_value(decoded ? *decoded : std::string(raw));
}

uint64_t fnv1a(std::string_view s, uint64_t h = 14695981039346656037ull) {
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

std::string hex(uint64_t v) {
    static const char digits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = digits[v & 15];
    return out;
}

enum class Report { Failure, Delay, Success };

Report report_kind(const std::vector<DsnRecipient>& rcpts) {
    bool delayed = false;
    for (auto& r : rcpts) {
        if (r.action == "failed") return Report::Failure;
        if (r.action == "delayed") delayed = true;
    }
    return delayed ? Report::Delay : Report::Success;
}

std::string human_part(const DsnInput& in, Report kind) {
    std::string t;
    t += "This is the mail system at host " + field_value(in.reporting_mta) + ".\r\n\r\n";
    switch (kind) {
        case Report::Failure:
            t += "Your message could not be delivered to one or more recipients.\r\n"
                 "The reasons are below; the original message (or its header) is attached.\r\n";
            break;
        case Report::Delay:
            t += "Your message has not been delivered yet to the recipients below.\r\n"
                 "Delivery will be retried; you will be told if it finally fails.\r\n"
                 "There is no need to send the message again.\r\n";
            break;
        case Report::Success:
            t += "Your message was successfully delivered to the recipients below.\r\n";
            break;
    }
    t += "\r\n";
    for (auto& r : in.rcpts) {
        t += "<" + field_value(r.address) + ">: " + field_value(r.action);
        if (!r.remote_mta.empty()) t += " (host " + field_value(r.remote_mta) + ")";
        t += "\r\n";
        if (!r.diagnostic.empty()) {
            auto d = field_value(r.diagnostic);
            auto semi = d.find(';');  // drop the "smtp; " type for humans
            if (semi != std::string::npos && semi < 16) d = std::string(trim(d.substr(semi + 1)));
            t += "    " + d + "\r\n";
        }
    }
    return t;
}

// RFC 3464 §2.2 per-message fields, then §2.3 per-recipient fields, groups separated by an
// empty line.
std::string status_part(const DsnInput& in) {
    std::string t;
    t += "Reporting-MTA: dns; " + field_value(in.reporting_mta) + "\r\n";  // §2.2.2
    if (!in.env.id.empty()) t += "X-Magpie-Queue-ID: " + field_value(in.env.id) + "\r\n";
    if (!in.env.sender.empty())
        t += "X-Magpie-Sender: rfc822; " + field_value(in.env.sender) + "\r\n";
    // §2.2.1: required when ENVID was given; the session stores it xtext-decoded.
    if (!in.env.dsn_envid.empty())
        t += "Original-Envelope-Id: " + field_value(in.env.dsn_envid) + "\r\n";
    if (in.arrival > 0) t += "Arrival-Date: " + rfc5322_date(in.arrival) + "\r\n";  // §2.2.5
    for (auto& r : in.rcpts) {
        t += "\r\n";
        if (!r.orcpt.empty()) t += "Original-Recipient: " + original_recipient(r.orcpt) + "\r\n";
        t += "Final-Recipient: rfc822; " + field_value(r.address) + "\r\n";  // §2.3.2
        t += "Action: " + field_value(r.action) + "\r\n";                    // §2.3.3
        t += "Status: " + status_for(r) + "\r\n";                            // §2.3.4
        if (!r.remote_mta.empty())
            t += "Remote-MTA: dns; " + field_value(r.remote_mta) + "\r\n";  // §2.3.5
        if (!r.diagnostic.empty()) {                                        // §2.3.6
            auto d = field_value(r.diagnostic);
            if (d.find(';') == std::string::npos) d = "smtp; " + d;
            t += "Diagnostic-Code: " + d + "\r\n";
        }
        if (r.last_attempt > 0)
            t += "Last-Attempt-Date: " + rfc5322_date(r.last_attempt) + "\r\n";  // §2.3.7
    }
    return t;
}

}  // namespace

bool dsn_wanted(const Envelope& env, const Recipient& rcpt, DsnKind kind) {
    if (env.sender.empty()) return false;  // RFC 5321 §4.5.5: never bounce a bounce
    if (has_token(rcpt.notify, "NEVER")) return false;
    switch (kind) {
        case DsnKind::Failure:  // RFC 3461 §4.1: absent NOTIFY means FAILURE (or DELAY)
            return rcpt.notify.empty() || has_token(rcpt.notify, "FAILURE");
        case DsnKind::Delay:  // only when asked for (Postfix's delay_warning_time = 0)
            return has_token(rcpt.notify, "DELAY");
        case DsnKind::Success:
            return has_token(rcpt.notify, "SUCCESS");
    }
    return false;
}

std::string rfc5322_date(int64_t unix_seconds) {
    time_t t = static_cast<time_t>(unix_seconds);
    struct tm tm {};
    gmtime_r(&t, &tm);
    static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
                  tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
}

std::string make_dsn(const DsnInput& in) {
    auto kind = report_kind(in.rcpts);
    auto host = field_value(in.reporting_mta);

    // What of the original goes back (RFC 3461 §4.3; RFC 6522 §3).
    bool full = false;
    if (kind == Report::Failure) {
        if (iequals(in.env.dsn_ret, "FULL"))
            full = true;
        else if (!iequals(in.env.dsn_ret, "HDRS"))
            full = static_cast<int64_t>(in.original.size()) <= in.full_return_limit;
    }
    std::string original = to_crlf(full ? in.original : header_of(in.original));

    auto human = human_part(in, kind);
    auto status = status_part(in);
    bool eight_bit = !is_ascii(original) || !is_ascii(human) || !is_ascii(status);

    // A boundary that occurs in no part (RFC 2046 §5.1.1).
    uint64_t h = fnv1a(in.env.id);
    for (auto& r : in.rcpts) h = fnv1a(r.address + "\n" + r.action, h);
    std::string unique = std::to_string(in.now) + "." + hex(h).substr(0, 8);
    std::string boundary;
    for (int n = 0;; ++n) {
        boundary = "=_magpie_report_" + unique + (n ? "_" + std::to_string(n) : "");
        if (original.find(boundary) == std::string::npos &&
            human.find(boundary) == std::string::npos && status.find(boundary) == std::string::npos)
            break;
    }

    const char* subject = kind == Report::Failure ? "Undelivered Mail Returned to Sender"
                          : kind == Report::Delay ? "Delayed Mail (still being retried)"
                                                  : "Successful Mail Delivery Report";
    std::string m;
    m += "From: \"Mail Delivery System\" <MAILER-DAEMON@" + host + ">\r\n";
    m += "To: <" + field_value(in.env.sender) + ">\r\n";
    m += std::string("Subject: ") + subject + "\r\n";
    m += "Date: " + rfc5322_date(in.now) + "\r\n";
    m += "Message-ID: <" + unique + "." + field_value(in.env.id) + ".dsn@" + host + ">\r\n";
    m += "Auto-Submitted: auto-replied\r\n";  // RFC 3834 §5
    m += "MIME-Version: 1.0\r\n";
    // RFC 6522 §3: multipart/report; report-type=delivery-status (RFC 3464 §2.1).
    m += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" +
         boundary + "\"\r\n";
    if (eight_bit) m += "Content-Transfer-Encoding: 8bit\r\n";
    m += "\r\n";
    m += "This is a MIME-encapsulated message.\r\n\r\n";

    m += "--" + boundary + "\r\n";
    m += "Content-Description: Notification\r\n";
    m += std::string("Content-Type: text/plain; charset=") +
         (is_ascii(human) ? "us-ascii" : "utf-8") + "\r\n";
    if (!is_ascii(human)) m += "Content-Transfer-Encoding: 8bit\r\n";
    m += "\r\n" + human + "\r\n";

    m += "--" + boundary + "\r\n";
    m += "Content-Description: Delivery report\r\n";
    m += "Content-Type: message/delivery-status\r\n";
    if (!is_ascii(status)) m += "Content-Transfer-Encoding: 8bit\r\n";
    m += "\r\n" + status + "\r\n";

    m += "--" + boundary + "\r\n";
    if (full) {
        m += "Content-Description: Undelivered Message\r\n";
        m += "Content-Type: message/rfc822\r\n";
    } else {
        m += "Content-Description: Message Headers\r\n";
        m += "Content-Type: text/rfc822-headers\r\n";  // RFC 6522 §4
    }
    if (!is_ascii(original)) m += "Content-Transfer-Encoding: 8bit\r\n";
    m += "\r\n" + original;
    m += "\r\n--" + boundary + "--\r\n";
    return m;
}

}  // namespace magpie::queue
