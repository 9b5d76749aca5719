// The client side of SMTP as pure pieces: reply parsing (multi-line, enhanced codes),
// EHLO capability parsing, MAIL/RCPT command building with ESMTP parameters, and
// dot-stuffing for DATA (RFC 5321 §4.5.2). Used by the outbound queue manager.
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "queue/queue_file.h"

namespace magpie::smtp {

struct ClientReply {
    int code = 0;
    std::string enhanced;             // "5.1.1" when the server sent one
    std::vector<std::string> lines;   // text after "ddd-"/"ddd " per line
    bool positive() const { return code >= 200 && code < 400; }
    bool transient() const { return code >= 400 && code < 500; }
    bool permanent() const { return code >= 500; }
    std::string text() const;  // "550 5.1.1 user unknown" (lines joined with spaces)
};

// Accumulates reply lines; a reply is complete when a line has a space (or nothing)
// after its code. Malformed lines yield a reply with code 0.
class ReplyReader {
public:
    // Returns true when `line` (without CRLF) completed a reply, available via take().
    bool feed(std::string_view line);
    ClientReply take();
    size_t pending_lines() const { return cur_.lines.size(); }

private:
    ClientReply cur_;
    bool bad_ = false;
};

struct EhloCaps {
    std::set<std::string> keywords;  // upper case: "PIPELINING", "STARTTLS", ...
    int64_t size_limit = 0;          // SIZE n, 0 = none announced
    std::set<std::string> auth;      // mechanisms
    bool has(std::string_view k) const { return keywords.count(std::string(k)) != 0; }
};
EhloCaps parse_ehlo(const ClientReply& r);

// RFC 3461 §4 xtext.
std::string encode_xtext(std::string_view s);

// "MAIL FROM:<s> SIZE=n BODY=8BITMIME SMTPUTF8 RET=.. ENVID=.." with only what caps allow.
std::string mail_command(const queue::Envelope& env, const EhloCaps& caps, int64_t size);
std::string rcpt_command(const queue::Recipient& r, std::string_view address, const EhloCaps& caps);

// Streams message bytes into DATA form: leading dots doubled, terminated by CRLF.CRLF.
class DotStuffer {
public:
    void feed(std::string_view in, std::string& out);
    void finish(std::string& out);  // adds a CRLF if the message did not end with one, then ".\r\n"

private:
    bool at_line_start_ = true;
    char last_ = '\n';
};

}  // namespace magpie::smtp
