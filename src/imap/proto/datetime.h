// IMAP dates (RFC 9051 §9 date, date-time): "1-Feb-1994" and "17-Jul-1996 02:44:25 -0700".
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace magpie::imap {

struct Date {
    int year = 0;
    int month = 0;  // 1..12
    int day = 0;    // 1..31
    // Days since 1970-01-01, for comparisons.
    int64_t days() const;
};

struct DateTime {
    int64_t utc = 0;     // seconds since the epoch
    int tz_minutes = 0;  // the zone the client wrote, east of UTC
};

// RFC 9051 §9 date: date-text or DQUOTE date-text DQUOTE; checks the day against the month.
std::optional<Date> parse_date(std::string_view s);
// RFC 9051 §9 date-time without the surrounding quotes; day may be " 1" or "01".
std::optional<DateTime> parse_datetime(std::string_view s);
// RFC 9051 §9 date-time with quotes: "\"17-Jul-1996 02:44:25 -0700\"", in zone tz_minutes.
std::string format_datetime(int64_t utc, int tz_minutes);
void append_datetime(std::string& out, int64_t utc, int tz_minutes);
// "1-Feb-1994".
std::string format_date(const Date& d);

}  // namespace magpie::imap
