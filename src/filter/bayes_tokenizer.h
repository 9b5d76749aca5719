// Bayes tokenizer: the features of one message that the spam classifier counts. Body
// words come from the MIME library's decoded, charset-converted text (HTML reduced to
// text); headers give prefixed tokens ("s:" Subject words, "from:" domains, "rcvd:"
// Received hints, "ct:" content types, "xm:" mailer, "mid:" Message-ID domain, "h:" header
// names), URLs their hosts ("url:"), HTML parts their tag names ("html:"). Work per message
// is bounded by TokenizerOptions.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mime/parser.h"

namespace magpie::filter {

struct TokenizerOptions {
    size_t max_text_bytes = 256 * 1024;  // decoded body text scanned
    size_t max_part_decode = 1 << 20;    // bytes decoded per text part
    size_t max_html_scan = 64 * 1024;    // bytes of each HTML part scanned for tags and links
    size_t max_tokens = 5000;            // distinct tokens kept per message
    size_t min_token_len = 2;            // shorter words are skipped
    size_t max_token_len = 30;           // longer words become a "sk:" length-bucket token
    size_t max_header_fields = 200;      // top-level header fields looked at
    size_t max_received = 6;             // Received fields tokenized (newest first)
    bool bigrams = true;                 // adjacent body word pairs ("b:w1 w2")
};

// Distinct tokens of the message, in first-seen order. Deterministic for the same bytes
// and options, so relearning a message finds the same tokens again.
std::vector<std::string> tokenize(const mime::Message& msg, const TokenizerOptions& opt = {});

// Stable 64-bit hash of a token (FNV-1a with a final avalanche), as stored in the database.
uint64_t token_hash(std::string_view token);

// Hashes of tokenize()'s tokens, without duplicates, sorted as signed 64-bit numbers.
std::vector<uint64_t> token_hashes(const mime::Message& msg, const TokenizerOptions& opt = {});

}  // namespace magpie::filter
