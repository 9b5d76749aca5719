// Helpers for the Bayes tests: a temporary folder and synthetic spam/ham messages built
// from small vocabularies, reproducible from a seed.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace bayes_test {

using magpie::test_util::TempDir;

inline const std::vector<std::string> kSpamWords = {
    "viagra", "lottery", "winner", "prize",  "cheap",    "pills",  "casino", "bonus",
    "offer",  "urgent",  "money",  "credit", "discount", "refund", "claim",  "unsubscribe"};
inline const std::vector<std::string> kHamWords = {
    "meeting", "project", "schedule", "report", "review", "draft",   "agenda", "budget",
    "minutes", "thanks",  "regards",  "patch",  "build",  "release", "lunch",  "team"};
inline const std::vector<std::string> kCommonWords = {"the",  "and",  "you",  "for", "this",
                                                      "with", "have", "from", "are", "will"};

// Message `n` of its kind: a unique Message-ID and about 40 words, 70 % from its kind's
// vocabulary, the rest common words.
inline std::string synthetic(bool spam, int n, unsigned seed = 1) {
    std::mt19937 rng(seed * 7919u + static_cast<unsigned>(n) * 2u + (spam ? 1u : 0u));
    const auto& own = spam ? kSpamWords : kHamWords;
    std::string body;
    for (int i = 0; i < 40; ++i) {
        bool from_own = rng() % 10 < 7;
        const auto& v = from_own ? own : kCommonWords;
        body += v[rng() % v.size()] + (i % 10 == 9 ? "\r\n" : " ");
    }
    std::string kind = spam ? "spam" : "ham";
    return "From: " + kind + " sender <s" + std::to_string(n) + "@" + kind + ".example>\r\n" +
           "To: user@example.com\r\nSubject: " + own[rng() % own.size()] + " " + std::to_string(n) +
           "\r\nMessage-ID: <" + kind + std::to_string(n) + "." + std::to_string(seed) + "@" +
           kind + ".example>\r\n\r\n" + body + "\r\n";
}

}  // namespace bayes_test
