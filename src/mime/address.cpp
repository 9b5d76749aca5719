// RFC 5322 §3.4 address-list parsing with the §4.4 obsolete forms, error recovery at
// commas, and RFC 3492 punycode decoding for IDN domains.
#include "mime/address.h"

#include <cctype>

#include "core/strings.h"
#include "mime/lexer.h"
#include "mime/rfc2047.h"

namespace magpie::mime {

namespace {

class AddressParser {
  public:
    explicit AddressParser(std::string_view s) : lx_(s) {}

    std::vector<Address> run() {
        while (!lx_.eof() && !stop_ && out_.size() < kMaxAddresses) {
            lx_.skip_cfws();
            if (lx_.consume(',') || lx_.consume(';')) continue;
            if (lx_.eof()) break;
            size_t before = lx_.pos();
            parse_address(false);
            if (lx_.pos() == before) lx_.advance();  // never stall on junk
        }
        return std::move(out_);
    }

  private:
    Lexer lx_;
    std::vector<Address> out_;
    bool stop_ = false;

    // A character that can continue a phrase (RFC 5322 §3.2.5 word).
    static bool starts_word(char c) {
        unsigned char u = static_cast<unsigned char>(c);
        return c == '"' || u >= 0x80 || std::isalnum(u) ||
               std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
    }

    // Phrase (RFC 5322 §3.2.5 with obs-phrase): words joined by single spaces.
    std::string phrase(std::string* comment) {
        std::string out;
        for (;;) {
            lx_.skip_cfws(comment);
            std::string w;
            if (lx_.peek() == '"') {
                w = lx_.quoted_string();
            } else {
                std::string_view a = lx_.atom(true);
                if (a.empty()) break;
                w = std::string(a);
            }
            if (!out.empty()) out.push_back(' ');
            out += w;
        }
        return out;
    }

    std::string domain(std::string* comment = nullptr) {
        lx_.skip_cfws(comment);
        if (lx_.peek() == '[') return lx_.domain_literal();
        std::string d;
        for (;;) {  // obs-domain allows CFWS around dots
            d += std::string(lx_.atom(true));
            lx_.skip_cfws(comment);
            if (lx_.peek() != '.') break;
            lx_.advance();
            d.push_back('.');
            lx_.skip_cfws();
        }
        return d;
    }

    // "<[route:]local@domain>"; the '<' is current.
    void angle_addr(Address& a) {
        lx_.advance();
        lx_.skip_cfws();
        if (lx_.peek() == '@') {  // RFC 5322 §4.4 obs-route
            size_t start = lx_.pos();
            while (!lx_.eof() && lx_.peek() != ':' && lx_.peek() != '>') lx_.advance();
            if (lx_.peek() == ':') {
                a.route = unfold_ws(lx_, start);
                lx_.advance();
            } else {
                lx_.set_pos(start);
            }
        }
        local_part(a);
        lx_.skip_cfws();
        if (lx_.consume('@')) a.host = domain();
        lx_.skip_cfws();
        // Anything up to '>' is junk; skip it.
        while (!lx_.eof() && lx_.peek() != '>' && lx_.peek() != ',') lx_.advance();
        lx_.consume('>');
    }

    static std::string unfold_ws(Lexer& lx, size_t start) {
        std::string out;
        size_t end = lx.pos();
        lx.set_pos(start);
        while (lx.pos() < end) {
            char c = lx.peek();
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out.push_back(c);
            lx.advance();
        }
        return out;
    }

    // Comments after its words go to *comment when given ("nsb (Nathaniel Borenstein)").
    void local_part(Address& a, std::string* comment = nullptr) {
        std::string local;
        for (;;) {  // obs-local-part: words separated by dots, CFWS allowed around them
            lx_.skip_cfws();
            std::string w;
            if (!lx_.word(w, true)) break;
            local += w;
            lx_.skip_cfws(comment);
            if (lx_.peek() != '.') break;
            lx_.advance();
            local.push_back('.');
        }
        a.mailbox = std::move(local);
    }

    void parse_address(bool in_group) {
        size_t start = lx_.pos();
        std::string comment;
        std::string name = phrase(&comment);
        lx_.skip_cfws(&comment);
        char c = lx_.peek();
        if (c == ':' && !in_group && !lx_.eof()) {  // RFC 5322 §3.4 group
            lx_.advance();
            Address g;
            g.group_start = true;
            g.mailbox = name;
            out_.push_back(std::move(g));
            while (!lx_.eof() && !stop_ && out_.size() < kMaxAddresses) {
                lx_.skip_cfws();
                if (lx_.consume(',')) continue;
                if (lx_.consume(';')) break;
                if (lx_.eof()) break;
                size_t before = lx_.pos();
                parse_address(true);
                if (lx_.pos() == before) lx_.advance();
            }
            Address e;
            e.group_end = true;
            out_.push_back(std::move(e));
            return;
        }
        Address a;
        if (c == '<' && !lx_.eof()) {
            a.name = name;
            angle_addr(a);
        } else {
            // addr-spec: re-read from the start as a local part.
            lx_.set_pos(start);
            comment.clear();
            local_part(a, &comment);
            lx_.skip_cfws(&comment);
            if (lx_.consume('@')) a.host = domain(&comment);
            lx_.skip_cfws(&comment);
            bool junk = !lx_.eof() && lx_.peek() != ',' && !(in_group && lx_.peek() == ';');
            if (lx_.peek() == '<' && !lx_.eof()) {  // "name <addr>" with an odd phrase
                a.name = a.mailbox;
                a.mailbox.clear();
                a.host.clear();
                angle_addr(a);
            } else if (junk && a.host.empty() && starts_word(lx_.peek())) {
                a.name = name;  // "Real Name" alone: a name without an address (as Dovecot)
                a.mailbox.clear();
            } else if (!comment.empty()) {
                a.name = comment;  // "user@host (Real Name)", "user (Real Name)"
            }
        }
        lx_.skip_cfws();
        // Junk before the next separator ends the whole list, as in Dovecot: what follows
        // a syntax error is not trusted to be an address.
        if (!lx_.eof() && lx_.peek() != ',' && !(in_group && lx_.peek() == ';')) stop_ = true;
        if (a.mailbox.empty() && a.host.empty() && a.name.empty() && a.route.empty()) return;
        out_.push_back(std::move(a));
    }
};

bool needs_quoting(std::string_view local) {
    if (local.empty() || local.front() == '.' || local.back() == '.') return true;
    char prev = 0;
    for (unsigned char c : local) {
        if (c == '.' && prev == '.') return true;
        prev = char(c);
        if (c >= 0x80 || c == '.') continue;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) continue;
        if (std::string_view("!#$%&'*+-/=?^_`{|}~").find(char(c)) == std::string_view::npos)
            return true;
    }
    return false;
}

// RFC 3492 §6.2 punycode decoding of one label (without "xn--"); false on bad input.
bool punycode_decode(std::string_view in, std::u32string& out) {
    constexpr unsigned base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700;
    size_t delim = in.rfind('-');
    size_t b = delim == std::string_view::npos ? 0 : delim;
    for (size_t i = 0; i < b; ++i) {
        if (static_cast<unsigned char>(in[i]) >= 0x80) return false;
        out.push_back(static_cast<unsigned char>(in[i]));
    }
    unsigned long n = 128, i = 0, bias = 72;
    for (size_t in_pos = b > 0 ? b + 1 : 0; in_pos < in.size();) {
        unsigned long oldi = i, w = 1;
        for (unsigned long k = base;; k += base) {
            if (in_pos >= in.size()) return false;
            char c = in[in_pos++];
            unsigned long digit;
            if (c >= '0' && c <= '9')
                digit = c - '0' + 26;
            else if (c >= 'a' && c <= 'z')
                digit = c - 'a';
            else if (c >= 'A' && c <= 'Z')
                digit = c - 'A';
            else
                return false;
            if (digit > (0xFFFFFFFFul - i) / w) return false;
            i += digit * w;
            unsigned long t = k <= bias ? tmin : k >= bias + tmax ? tmax : k - bias;
            if (digit < t) break;
            if (w > 0xFFFFFFFFul / (base - t)) return false;
            w *= base - t;
        }
        unsigned long len = out.size() + 1;
        unsigned long delta = oldi == 0 ? i / damp : (i - oldi) / 2;  // RFC 3492 §6.1 adapt
        delta += delta / len;
        unsigned long k = 0;
        while (delta > ((base - tmin) * tmax) / 2) {
            delta /= base - tmin;
            k += base;
        }
        bias = k + (base - tmin + 1) * delta / (delta + skew);
        if (i / len > 0x10FFFF - n) return false;
        n += i / len;
        i %= len;
        if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF) || out.size() > 256) return false;
        out.insert(out.begin() + long(i), char32_t(n));
        ++i;
    }
    return true;
}


}  // namespace

std::vector<Address> parse_address_list(std::string_view raw) {
    return AddressParser(raw).run();
}

std::string Address::addr_spec() const {
    std::string out;
    if (needs_quoting(mailbox)) {
        out.push_back('"');
        for (char c : mailbox) {
            if (c == '"' || c == '\\') out.push_back('\\');
            out.push_back(c);
        }
        out.push_back('"');
    } else {
        out = mailbox;
    }
    if (!host.empty()) out += "@" + host;
    return out;
}

std::string Address::display_name() const {
    return decode_rfc2047(name);
}

std::string domain_to_utf8(std::string_view domain) {
    std::string out;
    size_t pos = 0;
    while (pos <= domain.size()) {
        size_t dot = domain.find('.', pos);
        if (dot == std::string_view::npos) dot = domain.size();
        std::string_view label = domain.substr(pos, dot - pos);
        std::u32string cps;
        if (istarts_with(label, "xn--") && punycode_decode(label.substr(4), cps)) {
            for (char32_t c : cps) append_utf8(c, out);
        } else {
            out.append(label);
        }
        if (dot < domain.size()) out.push_back('.');
        pos = dot + 1;
    }
    return out;
}

}  // namespace magpie::mime
