// The Public Suffix List (https://publicsuffix.org/list/): parsing of the list's text and
// the "prevailing rule" algorithm that gives a name's registrable (organizational) domain.
// Rules are kept in A-label form; names are converted the same way before matching, so
// U-label and A-label spellings of an IDN both match. Limits: names longer than
// kMaxNameOctets or with more than kMaxLabels labels have no organizational domain.
#include "filter/public_suffix.h"

#include <fstream>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "filter/punycode.h"

namespace magpie::filter {
namespace {

constexpr const char* kSystemListPath = "/usr/share/publicsuffix/public_suffix_list.dat";
constexpr size_t kMaxNameOctets = 253;  // RFC 1035 §2.3.4, without the root's dot
constexpr size_t kMaxLabels = 127;

struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using RuleSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

// Splits "a.b.c" into its labels; false when a label is empty.
bool split_labels(std::string_view name, std::vector<std::string_view>& labels) {
    labels.clear();
    for (size_t start = 0;;) {
        size_t dot = name.find('.', start);
        std::string_view label = name.substr(start, dot - start);
        if (label.empty()) return false;
        labels.push_back(label);
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

// `name` with ASCII lower-cased and the IDNA full stops (U+3002, U+FF0E, U+FF61) as '.'.
std::string caller_spelling(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (size_t i = 0; i < name.size(); ++i) {
        std::string_view rest = name.substr(i);
        if (rest.starts_with("\xE3\x80\x82") || rest.starts_with("\xEF\xBC\x8E") ||
            rest.starts_with("\xEF\xBD\xA1")) {
            out += '.';
            i += 2;
            continue;
        }
        char c = name[i];
        out += c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
    }
    return out;
}

}  // namespace

struct PublicSuffixList::Impl {
    RuleSet normal;     // "co.uk"
    RuleSet wildcard;   // "*.kobe.jp" stored as "kobe.jp"
    RuleSet exception;  // "!city.kobe.jp" stored as "city.kobe.jp"
};

PublicSuffixList::PublicSuffixList() : impl_(std::make_unique<Impl>()) {}
PublicSuffixList::~PublicSuffixList() = default;
PublicSuffixList::PublicSuffixList(PublicSuffixList&&) noexcept = default;
PublicSuffixList& PublicSuffixList::operator=(PublicSuffixList&&) noexcept = default;

PublicSuffixList PublicSuffixList::parse(std::string_view text) {
    PublicSuffixList list;
    Impl& impl = *list.impl_;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t eol = text.find('\n', pos);
        std::string_view line = text.substr(pos, eol - pos);
        pos = eol == std::string_view::npos ? text.size() : eol + 1;
        // A rule is the line up to its first white space; "//" lines are comments (the
        // "===BEGIN ICANN DOMAINS===" section markers among them: both sections are used).
        size_t b = line.find_first_not_of(" \t\r");
        if (b == std::string_view::npos) continue;
        line = line.substr(b);
        line = line.substr(0, line.find_first_of(" \t\r"));
        if (line.starts_with("//")) continue;
        RuleSet* set = &impl.normal;
        if (line.starts_with('!')) {
            set = &impl.exception;
            line.remove_prefix(1);
        } else if (line.starts_with("*.")) {
            set = &impl.wildcard;
            line.remove_prefix(2);
        }
        std::string rule = domain_to_ascii(line);
        std::vector<std::string_view> labels;
        if (rule.empty() || !split_labels(rule, labels)) continue;
        set->insert(std::move(rule));
    }
    return list;
}

const PublicSuffixList& PublicSuffixList::system() {
    // A function-local static is initialised once, thread-safely (C++11 [stmt.dcl]/4).
    static const PublicSuffixList list = [] {
        std::ifstream in(kSystemListPath, std::ios::binary);
        if (!in) return PublicSuffixList();
        std::ostringstream text;
        text << in.rdbuf();
        return parse(text.str());
    }();
    return list;
}

std::string PublicSuffixList::organizational_domain(std::string_view name) const {
    if (name.ends_with('.')) name.remove_suffix(1);
    std::string ascii = domain_to_ascii(name);
    std::vector<std::string_view> labels;
    if (ascii.empty() || ascii.size() > kMaxNameOctets || !split_labels(ascii, labels) ||
        labels.size() > kMaxLabels)
        return {};
    const size_t n = labels.size();
    // suffix(k): the last k labels of the name.
    auto suffix = [&](size_t k) {
        return std::string_view(ascii).substr(labels[n - k].data() - ascii.data());
    };
    // The prevailing rule: an exception rule if any matches, else the matching rule with
    // the most labels, else the default rule "*" (one label).
    size_t suffix_labels = 1;
    bool exception = false;
    for (size_t k = 1; k <= n && !exception; ++k) {
        std::string_view s = suffix(k);
        if (impl_->exception.contains(s)) {
            suffix_labels = k - 1;  // an exception rule's public suffix drops its first label
            exception = true;
        } else if (impl_->normal.contains(s) ||
                   (k >= 2 && impl_->wildcard.contains(suffix(k - 1)))) {
            suffix_labels = k;
        }
    }
    if (suffix_labels >= n) return {};  // the name is itself a public suffix
    // The registrable domain: the public suffix plus one label, in the caller's spelling
    // (the conversion keeps the label count, so the last labels correspond).
    std::string spelled = caller_spelling(name);
    size_t start = spelled.size();
    for (size_t k = 0; k < suffix_labels + 1 && start != std::string::npos; ++k)
        start = start == 0 ? std::string::npos : spelled.find_last_of('.', start - 1);
    return spelled.substr(start == std::string::npos ? 0 : start + 1);
}

}  // namespace magpie::filter
