// The filter's header and body heuristics (antispam item 5 of docs/filter.md), each a
// named rule with a score, Rspamd style, and the GTUBE test string.
#pragma once
#include <string_view>

#include "filter/verdict.h"
#include "mime/parser.h"

namespace magpie::filter {

// The GTUBE string (SpamAssassin's and Rspamd's spam test pattern).
inline constexpr std::string_view kGtube =
    "XJS*C4JDBQADN1.NSBESC-GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

struct RuleContext {
    std::string_view data;        // the whole message
    const mime::Message& msg;
    std::string_view sender;      // envelope sender ("" for <>)
    std::string_view hostname;    // ours, to spot forged Received lines
    int64_t now = 0;
};

// True when the message carries the GTUBE string.
bool has_gtube(std::string_view data);

// Adds a hit for every heuristic that fires: MISSING_DATE, MISSING_MID, MISSING_FROM,
// MISSING_TO, MISSING_SUBJECT, FROM_NEQ_ENVFROM, MIME_HTML_ONLY, SUBJ_ALL_CAPS,
// HTTP_TO_IP, PHISHING (link text naming another host than the link), FORGED_RCVD (a
// Received line claiming to be ours that we did not write).
void run_heuristics(const RuleContext& ctx, Verdict& v);

}  // namespace magpie::filter
