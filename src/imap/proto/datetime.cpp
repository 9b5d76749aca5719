// RFC 9051 §9 date and date-time parsing and formatting, without the C library's locale.
#include "imap/proto/datetime.h"

#include <algorithm>
#include <cstdio>

namespace magpie::imap {

namespace {

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Howard Hinnant's civil-from-days inverse: days since 1970-01-01.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int& y, int& m, int& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    y = static_cast<int>(static_cast<int64_t>(yoe) + era * 400 + (m <= 2));
}

bool digits(std::string_view s, int& out) {
    if (s.empty()) return false;
    out = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        out = out * 10 + (c - '0');
    }
    return true;
}

int month_index(std::string_view s) {
    if (s.size() != 3) return 0;
    for (int i = 0; i < 12; ++i) {
        bool eq = true;
        for (int k = 0; k < 3; ++k)
            if ((s[k] | 0x20) != (kMonths[i][k] | 0x20)) eq = false;
        if (eq) return i + 1;  // RFC 9051 §9 date-month is case-insensitive
    }
    return 0;
}

// "d-Mon-yyyy" with 1 or 2 day digits (and a leading space allowed for date-time).
std::optional<Date> parse_date_text(std::string_view s) {
    size_t a = s.find('-');
    if (a == std::string_view::npos || a < 1 || a > 2) return std::nullopt;
    size_t b = s.find('-', a + 1);
    if (b != a + 4 || s.size() != b + 5) return std::nullopt;
    Date d;
    std::string_view day = s.substr(0, a);
    if (day.size() == 2 && day[0] == ' ') day.remove_prefix(1);
    if (!digits(day, d.day) || !digits(s.substr(b + 1), d.year)) return std::nullopt;
    d.month = month_index(s.substr(a + 1, 3));
    if (d.month == 0 || d.day < 1 || d.day > days_in_month(d.year, d.month)) return std::nullopt;
    return d;
}

}  // namespace

int64_t Date::days() const {
    return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

std::optional<Date> parse_date(std::string_view s) {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    if (!s.empty() && s[0] == ' ') return std::nullopt;
    return parse_date_text(s);
}

std::optional<DateTime> parse_datetime(std::string_view s) {
    // RFC 9051 §9: date-day-fixed "-" date-month "-" date-year SP time SP zone (26 chars)
    if (s.size() != 26 || s[11] != ' ' || s[20] != ' ') return std::nullopt;
    auto date = parse_date_text(s.substr(0, 11));
    if (!date) return std::nullopt;
    std::string_view t = s.substr(12, 8);
    int hh, mm, ss;
    if (t[2] != ':' || t[5] != ':' || !digits(t.substr(0, 2), hh) || !digits(t.substr(3, 2), mm) ||
        !digits(t.substr(6, 2), ss) || hh > 23 || mm > 59 || ss > 60)
        return std::nullopt;
    std::string_view z = s.substr(21);
    int zh, zm;
    if ((z[0] != '+' && z[0] != '-') || !digits(z.substr(1, 2), zh) ||
        !digits(z.substr(3, 2), zm) || zm > 59)
        return std::nullopt;
    DateTime dt;
    dt.tz_minutes = (zh * 60 + zm) * (z[0] == '-' ? -1 : 1);
    dt.utc = date->days() * 86400 + hh * 3600 + mm * 60 + ss - dt.tz_minutes * 60;
    return dt;
}

void append_datetime(std::string& out, int64_t utc, int tz_minutes) {
    int64_t local = utc + tz_minutes * 60;
    int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    int64_t secs = local - days * 86400;
    int y, m, d;
    civil_from_days(days, y, m, d);
    int tz = tz_minutes < 0 ? -tz_minutes : tz_minutes;
    char buf[64];
    int n = std::snprintf(buf, sizeof buf, "\"%2d-%s-%04d %02d:%02d:%02d %c%02d%02d\"", d,
                          kMonths[m - 1], y, static_cast<int>(secs / 3600),
                          static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60),
                          tz_minutes < 0 ? '-' : '+', tz / 60, tz % 60);
    out.append(buf, n > 0 ? std::min<size_t>(size_t(n), sizeof buf - 1) : 0);
}

std::string format_datetime(int64_t utc, int tz_minutes) {
    std::string out;
    append_datetime(out, utc, tz_minutes);
    return out;
}

std::string format_date(const Date& d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%d-%s-%04d", d.day, kMonths[d.month - 1], d.year);
    return buf;
}

}  // namespace magpie::imap
