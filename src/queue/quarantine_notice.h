// Quarantine notification (setting spam_quarantine_notify): when the filter sends a message
// to the quarantine mailbox instead of rejecting it, the postmaster gets a short plain-text
// report of it through the queue — queue ID, envelope sender and recipients, subject, score,
// rules and the mailbox — with the null sender, like a DSN, so it can never bounce back.
//
// Limits: the subject is cut to kNoticeMaxSubject bytes and at most kNoticeMaxRecipients
// recipients are listed, so every line stays far below 998 bytes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "queue/queue_file.h"
#include "store/directory.h"

namespace magpie::queue {

inline constexpr size_t kNoticeMaxSubject = 200;
inline constexpr size_t kNoticeMaxRecipients = 50;

// What the filter said about the quarantined message.
struct QuarantineReport {
    double score = 0;
    std::vector<std::string> rules;  // "MISSING_MID (2.50)", one per rule that fired
    std::string mailbox;             // the public mailbox it went to
};

struct NoticeInput {
    const Envelope& env;  // the quarantined message's envelope
    std::string subject;  // its Subject, decoded to UTF-8 ("" when none)
    const QuarantineReport& report;
    std::string hostname;
    std::string postmaster;  // the To: address
    int64_t now = 0;         // unix seconds: Date and Message-ID
};

// The notification message (RFC 5322, text/plain UTF-8, CRLF line ends).
std::string make_quarantine_notice(const NoticeInput& in);

// Who gets notices: postmaster@ the primary domain — the parent domain of the host name when
// it is a local domain (mail.example.org -> example.org), else the host name itself when it
// is one, else the first local domain by name; postmaster@hostname when there is none.
std::string notice_postmaster(const store::Snapshot& snap, const std::string& hostname);

// Reads the committed entry `id` for its subject, then writes and commits the notice;
// returns the notice's queue ID, or "" when the postmaster address reaches nobody. The
// caller hands the new ID to the delivery agent. Throws std::system_error on I/O failure.
std::string queue_quarantine_notice(const std::string& queue_dir, const std::string& hostname,
                                    const std::string& id, const QuarantineReport& report,
                                    const store::Snapshot& snap);

}  // namespace magpie::queue
