// Civil dates for the fuzz targets, apart from the library's (which uses
// <chrono>'s calendar): Howard Hinnant's days_from_civil and civil_from_days.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace riverqueue::fuzz {

// Days since 1970-01-01 of a proleptic Gregorian date.
inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil_date {
    std::int64_t year;
    unsigned month, day;
};

inline civil_date civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);
}

// `YYYY-MM-DDTHH:MM:SS.ffffffZ` of microseconds since the Unix epoch (years 0000-9999).
inline std::string rfc3339_micros(std::int64_t micros) {
    const std::int64_t seconds = floor_div(micros, 1'000'000);
    const std::int64_t fraction = micros - seconds * 1'000'000;
    const std::int64_t days = floor_div(seconds, 86400);
    const std::int64_t in_day = seconds - days * 86400;
    const civil_date date = civil_from_days(days);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
                  static_cast<long long>(date.year), date.month, date.day, static_cast<long long>(in_day / 3600),
                  static_cast<long long>(in_day / 60 % 60), static_cast<long long>(in_day % 60),
                  static_cast<long long>(fraction));
    return buffer;
}

}  // namespace riverqueue::fuzz
