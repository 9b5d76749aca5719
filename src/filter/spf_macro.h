// SPF macro strings (RFC 7208 §7): the parser for macro-string, domain-spec and the exp=
// explanation text, and the expansion with transformers, delimiters and URL escaping.
// Internal to the SPF library. Limits: a DIGIT transformer is capped at kMaxMacroParts.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::filter::spf {

// A "%{s5r-}" transformer larger than any useful part count is read as this many parts.
inline constexpr int kMaxMacroParts = 255;

struct MacroToken {
    bool is_macro = false;
    std::string literal;      // the text of a literal run (%%, %_ and %- already decoded)
    char letter = 0;          // the macro letter, lower case
    bool url_escape = false;  // written in upper case (RFC 7208 §7.3)
    int keep = 0;             // DIGIT transformer: right-hand parts kept, 0 for all
    bool reverse = false;     // "r" transformer
    std::string delimiters;   // empty for the default "."
};

struct MacroString {
    std::vector<MacroToken> tokens;
};

enum class MacroContext {
    Domain,       // a mechanism's or modifier's domain-spec: no c/r/t, no spaces
    Modifier,     // an unknown modifier's value: any macro-string, not expanded
    Explanation,  // the TXT text of exp=: c/r/t allowed, and spaces (§6.2 explain-string)
};

// Parses a macro-string; nullopt with *error set on a syntax error (§7.1).
std::optional<MacroString> parse_macro_string(std::string_view text, MacroContext ctx,
                                              std::string* error);

// Parses a domain-spec: a non-empty macro-string that ends in a macro-expand or in
// "." toplabel ["."] (§7.1, domain-end).
std::optional<MacroString> parse_domain_spec(std::string_view text, std::string* error);

// An expansion keeps at most its last kMaxExpansion bytes: a domain-spec is cut from the
// left to 253 bytes anyway (§4.6.4 / §5), and a hostile record of many long macros must not
// cost megabytes per term.
inline constexpr size_t kMaxExpansion = 4096;

// Expands a parsed macro-string; `value` gives the raw value of a (lower case) letter.
std::string expand(const MacroString& m, const std::function<std::string(char)>& value);

// RFC 3986 percent-encoding of everything outside the unreserved set (§7.3).
std::string url_escape(std::string_view s);

}  // namespace magpie::filter::spf
