// Word splitting for the Bayes tokenizer. Word bytes are ASCII letters and digits, every
// byte of a UTF-8 sequence, and the inner punctuation that keeps "don't", "e-mail",
// "example.com" and "$100" whole.
#include "filter/bayes_words.h"

#include <algorithm>

#include "core/strings.h"

namespace magpie::filter {
namespace {

bool alnum(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool word_byte(unsigned char c) {
    return alnum(c) || c >= 0x80 || c == '\'' || c == '.' || c == '-' || c == '_' || c == '$';
}

bool edge_punct(char c) {
    return c == '\'' || c == '.' || c == '-' || c == '_';
}

bool host_byte(unsigned char c) {
    return alnum(c) || c == '.' || c == '-';
}

// Cuts `s` to at most `n` bytes without splitting a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, size_t n) {
    if (s.size() <= n) return s;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n);
}

}  // namespace

std::string normalise_word(std::string_view w, const WordRules& rules) {
    while (!w.empty() && edge_punct(w.front())) w.remove_prefix(1);
    while (!w.empty() && (edge_punct(w.back()) || w.back() == '$')) w.remove_suffix(1);
    if (w.size() < rules.min_len) return {};
    bool number = std::all_of(
        w.begin(), w.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == '$'; });
    if (number) return "n:" + std::to_string(std::min<size_t>(w.size(), 12));
    std::string out(w);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (out.size() > rules.max_len)
        return "sk:" + std::string(utf8_prefix(out, 6)) + ":" + std::to_string(out.size() / 10);
    return out;
}

void for_each_word(std::string_view text, const WordRules& rules,
                   const std::function<bool(std::string&&)>& f) {
    size_t i = 0, n = text.size();
    while (i < n) {
        while (i < n && !word_byte(static_cast<unsigned char>(text[i]))) ++i;
        size_t start = i;
        while (i < n && word_byte(static_cast<unsigned char>(text[i]))) ++i;
        if (i == start) continue;
        std::string w = normalise_word(text.substr(start, i - start), rules);
        if (!w.empty() && !f(std::move(w))) return;
    }
}

void for_each_url_host(std::string_view text, const std::function<void(std::string&&)>& f) {
    size_t i = 0;
    while (i < text.size()) {
        char c = text[i] | 0x20;
        if (c != 'h' && c != 'w') {
            ++i;
            continue;
        }
        size_t h = std::string_view::npos;
        for (std::string_view scheme : {"http://", "https://", "www."}) {
            if (istarts_with(text.substr(i), scheme)) {
                h = scheme == "www." ? i : i + scheme.size();
                break;
            }
        }
        if (h == std::string_view::npos) {
            ++i;
            continue;
        }
        size_t e = h;
        while (e < text.size() && host_byte(static_cast<unsigned char>(text[e]))) ++e;
        std::string host = to_lower(text.substr(h, e - h));
        while (!host.empty() && (host.back() == '.' || host.back() == '-')) host.pop_back();
        if (host.find('.') != std::string::npos && host.size() <= 253) f(std::move(host));
        i = std::max(e, i + 1);
    }
}

std::string_view last_two_labels(std::string_view host) {
    size_t last = host.rfind('.');
    if (last == std::string_view::npos || last == 0) return host;
    size_t prev = host.rfind('.', last - 1);
    return prev == std::string_view::npos ? host : host.substr(prev + 1);
}

bool is_ipv4(std::string_view s) {
    int dots = 0, digits = 0;
    for (char c : s) {
        if (c == '.') {
            if (digits == 0) return false;
            ++dots;
            digits = 0;
        } else if (c >= '0' && c <= '9') {
            if (++digits > 3) return false;
        } else {
            return false;
        }
    }
    return dots == 3 && digits > 0;
}

}  // namespace magpie::filter
