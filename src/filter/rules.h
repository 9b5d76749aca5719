// The filter's header and body heuristics (antispam item 5 of docs/filter.md), each a
// named rule with a score, Rspamd style, and the GTUBE test string.
#pragma once
#include <string_view>

#include "filter/verdict.h"
#include "mime/parser.h"

namespace magpie::filter {

// The GTUBE string (SpamAssassin's and Rspamd's spam test pattern,
// https://spamassassin.apache.org/gtube/). Rspamd's variants change only the first letter:
// Y asks for the add-header action, Z for rewrite-subject, A for no action.
inline constexpr std::string_view kGtube =
    "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

enum class GtubeKind { None, Reject, AddHeader, RewriteSubject, NoAction };

// Which patterns count (setting gtube_patterns): "reject" (the standard X string only, the
// default), "all" (the variants too, for testing the other actions), "disabled".
enum class GtubePolicy { Reject, All, Disabled };
GtubePolicy gtube_policy(std::string_view setting);

struct RuleContext {
    std::string_view data;        // the whole message
    const mime::Message& msg;
    std::string_view sender;      // envelope sender ("" for <>)
    std::string_view hostname;    // ours, to spot forged Received lines
    int64_t now = 0;
};

// The GTUBE pattern the message carries, in its raw bytes or in the decoded text of a text
// part (base64 or quoted-printable), as the policy allows; the reject one wins over the
// variants. None when there is none.
GtubeKind find_gtube(std::string_view data, const mime::Message& msg, GtubePolicy policy);

// Adds a hit for every heuristic that fires: MISSING_DATE, MISSING_MID, MISSING_FROM,
// MISSING_TO, MISSING_SUBJECT, FROM_NEQ_ENVFROM, MIME_HTML_ONLY, SUBJ_ALL_CAPS,
// HTTP_TO_IP, PHISHING (link text naming another host than the link), FORGED_RCVD (a
// Received line claiming to be ours that we did not write).
void run_heuristics(const RuleContext& ctx, Verdict& v);

}  // namespace magpie::filter
