// Lenient RFC 5322 date-time parsing: comments and commas are skipped, the day name is
// optional, two- and three-digit years follow RFC 5322 §4.3, and the obsolete zone names
// of §4.3 are known (military zones count as UTC, as §4.3 advises).
#include "imap/session/sent_date.h"

#include <array>
#include <cstdint>

#include "core/strings.h"

namespace magpie::imap {

namespace {

struct Token {
    std::string_view text;
    bool number = false;
};

// Splits on whitespace, commas and (nested) comments; keeps ':' inside tokens.
std::vector<Token> tokenize(std::string_view s) {
    std::vector<Token> out;
    size_t i = 0;
    while (i < s.size() && out.size() < 12) {
        char c = s[i];
        if (c == '(') {
            int depth = 0;
            for (; i < s.size(); ++i) {
                if (s[i] == '\\') {
                    ++i;
                } else if (s[i] == '(') {
                    ++depth;
                } else if (s[i] == ')' && --depth == 0) {
                    ++i;
                    break;
                }
            }
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',') {
            ++i;
            continue;
        }
        size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n' &&
               s[i] != ',' && s[i] != '(')
            ++i;
        Token t{s.substr(start, i - start)};
        t.number = true;
        for (char d : t.text)
            if (d < '0' || d > '9') t.number = false;
        out.push_back(t);
    }
    return out;
}

int to_int(std::string_view digits) {
    int v = 0;
    for (char d : digits) v = v * 10 + (d - '0');
    return v;
}

int month_of(std::string_view s) {
    static constexpr std::array<std::string_view, 12> kMonths = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    if (s.size() < 3) return 0;
    for (size_t m = 0; m < kMonths.size(); ++m)
        if (iequals(s.substr(0, 3), kMonths[m])) return int(m) + 1;
    return 0;
}

bool leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// "hh:mm" or "hh:mm:ss" into seconds of the day.
std::optional<int> parse_time(std::string_view s) {
    int parts[3] = {0, 0, 0};
    int n = 0;
    size_t pos = 0;
    while (n < 3) {
        size_t colon = s.find(':', pos);
        std::string_view p = s.substr(pos, colon == std::string_view::npos ? s.npos : colon - pos);
        if (p.empty() || p.size() > 2) return std::nullopt;
        for (char d : p)
            if (d < '0' || d > '9') return std::nullopt;
        parts[n++] = to_int(p);
        if (colon == std::string_view::npos) break;
        pos = colon + 1;
    }
    if (n < 2 || pos > s.size() || (n == 3 && s.find(':', pos) != std::string_view::npos))
        return std::nullopt;
    if (parts[0] > 23 || parts[1] > 59 || parts[2] > 60) return std::nullopt;
    return parts[0] * 3600 + parts[1] * 60 + parts[2];
}

// Minutes east of UTC; nullopt when `s` is no zone.
std::optional<int> parse_zone(std::string_view s) {
    if (s.size() == 5 && (s[0] == '+' || s[0] == '-')) {
        for (char d : s.substr(1))
            if (d < '0' || d > '9') return std::nullopt;
        int hh = to_int(s.substr(1, 2)), mm = to_int(s.substr(3, 2));
        if (mm > 59) return std::nullopt;
        return (s[0] == '-' ? -1 : 1) * (hh * 60 + mm);
    }
    struct Named {
        std::string_view name;
        int hours;
    };
    static constexpr Named kZones[] = {{"UT", 0},   {"UTC", 0},  {"GMT", 0},  {"Z", 0},
                                       {"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
                                       {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
    for (const auto& z : kZones)
        if (iequals(s, z.name)) return z.hours * 60;
    if (s.size() == 1 && ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z')) return 0;
    return std::nullopt;
}

}  // namespace

std::optional<DateTime> parse_rfc5322_date(std::string_view value) {
    std::vector<Token> t = tokenize(value);
    size_t i = 0;
    if (i < t.size() && !t[i].number && month_of(t[i].text) == 0) ++i;  // day name
    if (i + 2 >= t.size() || !t[i + 2].number) return std::nullopt;
    std::string_view day_text, month_text;
    if (t[i].number && !t[i + 1].number) {  // "1 Jul 2003"
        day_text = t[i].text;
        month_text = t[i + 1].text;
    } else if (!t[i].number && t[i + 1].number) {  // "Jul 1 2003", as old agents write it
        month_text = t[i].text;
        day_text = t[i + 1].text;
    } else {
        return std::nullopt;
    }
    std::string_view y = t[i + 2].text;
    if (y.size() < 2 || y.size() > 4 || day_text.size() > 2) return std::nullopt;
    int day = to_int(day_text), month = month_of(month_text), year = to_int(y);
    if (y.size() == 2) year += year < 50 ? 2000 : 1900;  // RFC 5322 §4.3
    if (y.size() == 3) year += 1900;
    if (month == 0 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
    i += 3;
    int seconds = 0;
    int zone = 0;
    if (i < t.size()) {
        if (auto tm = parse_time(t[i].text)) {
            seconds = *tm;
            ++i;
            if (i < t.size()) zone = parse_zone(t[i].text).value_or(0);
        }
    }
    Date d{year, month, day};
    DateTime out;
    out.utc = d.days() * 86400 + seconds - int64_t(zone) * 60;
    out.tz_minutes = zone;
    return out;
}

std::optional<DateTime> header_date(const std::vector<mime::HeaderField>& fields) {
    const mime::HeaderField* f = mime::find_field(fields, "date");
    if (!f) return std::nullopt;
    return parse_rfc5322_date(f->raw_value);
}

}  // namespace magpie::imap
