// DKIM tag=value lists, RFC 6376 §3.2.
#include "dkim/tags.h"

#include <cctype>

namespace magpie::dkim {
namespace {

bool is_fws(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim_fws(std::string_view s) {
    while (!s.empty() && is_fws(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_fws(s.back())) s.remove_suffix(1);
    return s;
}

bool valid_name(std::string_view n) {
    // tag-name = ALPHA *ALNUMPUNC; ALNUMPUNC = ALPHA / DIGIT / "_"
    if (n.empty() || !std::isalpha(static_cast<unsigned char>(n[0]))) return false;
    for (char c : n)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    return true;
}

bool valid_value(std::string_view v) {
    // tval = %x21-3A / %x3C-7E, separated by FWS; ";" cannot appear.
    for (char c : v) {
        auto u = static_cast<unsigned char>(c);
        if (is_fws(c)) continue;
        if (u < 0x21 || u > 0x7e || c == ';') return false;
    }
    return true;
}

}  // namespace

const std::string* TagList::get(const std::string& name) const {
    auto it = tags.find(name);
    return it == tags.end() ? nullptr : &it->second;
}

std::optional<TagList> parse_tags(std::string_view text, std::string* error) {
    auto fail = [&](std::string msg) -> std::optional<TagList> {
        if (error) *error = std::move(msg);
        return std::nullopt;
    };
    TagList out;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t semi = text.find(';', pos);
        if (semi == std::string_view::npos) semi = text.size();
        std::string_view spec = trim_fws(text.substr(pos, semi - pos));
        pos = semi + 1;
        if (spec.empty()) continue;  // the optional trailing ";" (and tolerated empty specs)
        size_t eq = spec.find('=');
        if (eq == std::string_view::npos) return fail("tag without '='");
        std::string name(trim_fws(spec.substr(0, eq)));
        std::string_view value = trim_fws(spec.substr(eq + 1));
        if (!valid_name(name)) return fail("invalid tag name '" + name + "'");
        if (!valid_value(value)) return fail("invalid value of tag " + name);
        if (!out.tags.emplace(name, std::string(value)).second)
            return fail("duplicate tag " + name);
    }
    return out;
}

std::string strip_wsp(std::string_view s) {
    std::string out;
    for (char c : s)
        if (!is_fws(c)) out += c;
    return out;
}

std::string blank_b_value(std::string_view field) {
    size_t colon = field.find(':');
    if (colon == std::string_view::npos) return std::string(field);
    size_t pos = colon + 1;
    while (pos <= field.size()) {
        size_t semi = field.find(';', pos);
        if (semi == std::string_view::npos) semi = field.size();
        std::string_view spec = field.substr(pos, semi - pos);
        size_t eq = spec.find('=');
        if (eq != std::string_view::npos && trim_fws(spec.substr(0, eq)) == "b") {
            size_t value_start = pos + eq + 1;
            size_t value_end = semi;
            // Keep the CRLF that ends the field when b= is the last tag.
            if (semi == field.size() && field.ends_with("\r\n") && value_end >= 2 &&
                value_end - 2 >= value_start)
                value_end -= 2;
            std::string out(field.substr(0, value_start));
            out += field.substr(value_end);
            return out;
        }
        pos = semi + 1;
    }
    return std::string(field);
}

}  // namespace magpie::dkim
