// Word splitting and normalisation for the Bayes tokenizer: words of running text, case
// folded, numbers bucketed by length, over-long words reduced to a "sk:" token, and the
// hosts of the URLs in a text.
#pragma once
#include <functional>
#include <string>
#include <string_view>

namespace magpie::filter {

struct WordRules {
    size_t min_len = 2;
    size_t max_len = 30;
};

// The normalised form of one raw word, or "" when it is to be skipped: ASCII lower case,
// edge punctuation removed, a number "n:LEN", a word past max_len "sk:PREFIX:LEN/10".
std::string normalise_word(std::string_view raw, const WordRules& rules);

// Calls `f` with each normalised word of `text`, in order, until `f` returns false.
void for_each_word(std::string_view text, const WordRules& rules,
                   const std::function<bool(std::string&&)>& f);

// Calls `f` with the lower-case host of every http://, https:// or www. link in `text`.
void for_each_url_host(std::string_view text, const std::function<void(std::string&&)>& f);

// "a.b.example.com" -> "example.com"; hosts with two labels or fewer come back unchanged.
std::string_view last_two_labels(std::string_view host);

bool is_ipv4(std::string_view s);

}  // namespace magpie::filter
