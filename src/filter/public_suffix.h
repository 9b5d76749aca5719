// The Public Suffix List (publicsuffix.org), for the DMARC organizational domain
// (RFC 7489 §3.2). Loaded from Debian's /usr/share/publicsuffix/public_suffix_list.dat.
#pragma once
#include <memory>
#include <string>
#include <string_view>

namespace magpie::filter {

class PublicSuffixList {
public:
    // Parses the list's text (rules, "*." wildcards, "!" exceptions, comments; ICANN and
    // private sections both used). IDN rules are kept in their Unicode form and also
    // matched against A-labels when the list gives them.
    static PublicSuffixList parse(std::string_view text);
    // The Debian file; an empty list (every name's last label is its suffix) when absent.
    static const PublicSuffixList& system();

    // "mail.example.co.uk" -> "example.co.uk"; a name that is itself a public suffix, or
    // has a single label, returns "" . Input is lower-cased; a trailing dot is ignored.
    std::string organizational_domain(std::string_view name) const;

    PublicSuffixList();
    ~PublicSuffixList();
    PublicSuffixList(PublicSuffixList&&) noexcept;
    PublicSuffixList& operator=(PublicSuffixList&&) noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace magpie::filter
