// SMTP command-line parsing (RFC 5321 §4.1): verbs, MAIL/RCPT paths and ESMTP parameters.
// Pure functions over one line without its CRLF.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace magpie::smtp {

enum class Verb { Helo, Ehlo, Mail, Rcpt, Data, Bdat, Rset, Noop, Quit, Vrfy, Expn, Help, StartTls, Auth, Unknown };

struct Command {
    Verb verb = Verb::Unknown;
    std::string_view args;  // everything after the verb and its separating space
};

Command parse_command(std::string_view line);

// A parsed MAIL FROM:/RCPT TO: argument.
struct PathArg {
    std::string address;  // without <>; empty for the null path <>
    std::vector<std::pair<std::string, std::string>> params;  // upper-cased keyword, value
};

enum class PathError { None, Syntax, BadAddress, BadParam };

// `args` is what follows the verb, e.g. "FROM:<a@b> SIZE=10". `prefix` is "FROM" or "TO".
// Lenient like Postfix: a space after the colon and a missing <> around a plain address pass.
// `utf8` allows UTF-8 in the address (RFC 6531).
PathError parse_path_arg(std::string_view args, std::string_view prefix, bool utf8, PathArg& out);

// RFC 5321 §4.1.2 Mailbox syntax (dot-string or quoted local part, domain or address
// literal); a bare "postmaster" is accepted separately by the caller.
bool valid_mailbox(std::string_view address, bool utf8);

// RFC 3461 §4 xtext decoding; nullopt when malformed.
std::optional<std::string> decode_xtext(std::string_view s);

}  // namespace magpie::smtp
