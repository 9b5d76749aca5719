// Delivery status notifications: when to send one (RFC 3461 NOTIFY) and the notification
// itself, a multipart/report (RFC 6522) with a human-readable part, a message/delivery-
// status part (RFC 3464) and the original message or its header. Pure functions: the
// caller sends the result with the null sender (MAIL FROM:<>) to the envelope sender.
//
// Limits: diagnostics are cut to kDsnMaxDiagnostic bytes; without RET the original is
// returned whole only up to DsnInput::full_return_limit bytes (setting bounce_size_limit),
// its header beyond that.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "queue/queue_file.h"

namespace magpie::queue {

inline constexpr size_t kDsnMaxDiagnostic = 900;  // keeps every field line under 998 bytes

enum class DsnKind { Failure, Delay, Success };

// RFC 3461 §4.1 policy for one recipient. Never for the null sender (RFC 5321 §4.5.5);
// NOTIFY=NEVER: none; NOTIFY absent: failures only (no delay warnings, as Postfix by
// default); otherwise exactly the kinds listed.
bool dsn_wanted(const Envelope& env, const Recipient& rcpt, DsnKind kind);

struct DsnRecipient {
    std::string address;       // the final recipient delivery was attempted to
    std::string orcpt;         // ORCPT as stored ("rfc822;" + xtext) or a plain address; may be ""
    std::string action;        // failed | delayed | delivered | relayed | expanded
    std::string status;        // "5.1.1"; empty: 5.0.0 / 4.0.0 / 2.0.0 by action
    std::string remote_mta;    // host name of the server that answered; may be ""
    std::string diagnostic;    // "smtp; 550 5.1.1 user unknown"; may be ""
    int64_t last_attempt = 0;  // unix seconds; 0 omits Last-Attempt-Date
};

struct DsnInput {
    const Envelope& env;
    std::vector<DsnRecipient> rcpts;
    std::string reporting_mta;          // our host name
    int64_t arrival = 0;                // unix seconds
    int64_t now = 0;                    // unix seconds: Date and Message-ID
    std::string_view original;          // the original message bytes (header + body)
    int64_t full_return_limit = 50000;  // RET absent: whole message up to this size
};

// The complete notification (RFC 5322 header + multipart/report body), CRLF line ends.
// Failed DSNs return the original per RET (FULL: whole; HDRS: header; absent: whole up to
// full_return_limit, else header); delay and success reports return the header only.
std::string make_dsn(const DsnInput& in);

// RFC 5322 §3.3 date-time in UTC: "Tue, 01 Jul 2025 12:00:00 +0000".
std::string rfc5322_date(int64_t unix_seconds);

}  // namespace magpie::queue
