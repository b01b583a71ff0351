#include "core/time_format.hpp"

#include <riverqueue/time.hpp>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <limits>

namespace riverqueue::core {
namespace {

using std::chrono::days;
using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using std::chrono::sys_days;

// Seconds from Go's zero time to the Unix epoch.
constexpr std::int64_t go_zero_to_unix_seconds = 62135596800;

__extension__ typedef __int128 int128;

// `value` in exactly `width` decimal digits, zero padded (value < 10^width).
void append_digits(std::string& out, unsigned value, std::size_t width) {
    const std::size_t end = out.size() + width;
    out.resize(end);
    for (std::size_t i = end; i > end - width; --i) {
        out[i - 1] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

std::string format_date_time(time_point t, bool with_micros) {
    // Round down, as pgx does when River Go sends a time (duration_cast would
    // round times before 1970 up).
    const auto since_epoch = std::chrono::floor<microseconds>(t.time_since_epoch());
    auto day = std::chrono::floor<days>(since_epoch);
    const std::chrono::year_month_day date{sys_days{day}};
    const auto in_day = since_epoch - day;
    const auto hours = duration_cast<std::chrono::hours>(in_day);
    const auto minutes = duration_cast<std::chrono::minutes>(in_day - hours);
    const auto secs = duration_cast<seconds>(in_day - hours - minutes);
    const auto micros = (in_day - hours - minutes - secs).count();
    // Written digit by digit: this runs twice for every job inserted, and
    // snprintf was a quarter of the client's work in building an insert.
    std::string out;
    out.reserve(with_micros ? 27 : 20);
    const int year = static_cast<int>(date.year());
    if (year >= 0 && year <= 9999) {
        append_digits(out, static_cast<unsigned>(year), 4);
    } else {
        char buffer[16];
        const int written = std::snprintf(buffer, sizeof buffer, "%04d", year);
        out.append(buffer, static_cast<std::size_t>(written));
    }
    out.push_back('-');
    append_digits(out, static_cast<unsigned>(date.month()), 2);
    out.push_back('-');
    append_digits(out, static_cast<unsigned>(date.day()), 2);
    out.push_back('T');
    append_digits(out, static_cast<unsigned>(hours.count()), 2);
    out.push_back(':');
    append_digits(out, static_cast<unsigned>(minutes.count()), 2);
    out.push_back(':');
    append_digits(out, static_cast<unsigned>(secs.count()), 2);
    if (with_micros) {
        out.push_back('.');
        append_digits(out, static_cast<unsigned>(micros), 6);
    }
    out.push_back('Z');
    return out;
}

bool read_int(std::string_view text, std::size_t pos, std::size_t width, int& out) {
    if (pos + width > text.size()) return false;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
    }
    return std::from_chars(text.data() + pos, text.data() + pos + width, out).ec == std::errc();
}

}  // namespace

time_point truncate_like_go(time_point t, nanoseconds period) {
    // In 128 bits: years past 2262 are beyond 64-bit nanoseconds.
    const int128 since_go_zero = static_cast<int128>(t.time_since_epoch().count()) * 1'000 +
                                 static_cast<int128>(go_zero_to_unix_seconds) * 1'000'000'000;
    int128 remainder = since_go_zero % period.count();
    if (remainder < 0) remainder += period.count();
    // Go's result in nanoseconds, rounded down to a microsecond.
    return t - std::chrono::ceil<microseconds>(nanoseconds(static_cast<std::int64_t>(remainder)));
}

std::string format_rfc3339_seconds(time_point t) {
    return format_date_time(std::chrono::floor<seconds>(t), false);
}

std::string format_rfc3339_micros(time_point t) { return format_date_time(t, true); }

std::string format_rfc3339_nano_like_go(go_time t) {
    const auto whole = std::chrono::floor<seconds>(t);
    const auto nanos = duration_cast<nanoseconds>(t - whole).count();
    std::string text = format_rfc3339_seconds(whole);
    if (nanos == 0) return text;
    char fraction[16];
    const int written = std::snprintf(fraction, sizeof fraction, ".%09lld", static_cast<long long>(nanos));
    std::string digits(fraction, static_cast<std::size_t>(written));
    while (digits.back() == '0') digits.pop_back();
    text.insert(text.size() - 1, digits);  // before the 'Z'
    return text;
}

std::string format_rfc3339_nano_local_like_go(go_time t) {
    const auto whole = static_cast<std::time_t>(std::chrono::floor<seconds>(t).time_since_epoch().count());
    std::tm local{};
    if (localtime_r(&whole, &local) == nullptr) return format_rfc3339_nano_like_go(t);
    const long offset = local.tm_gmtoff;  // seconds east of UTC
    if (offset == 0) return format_rfc3339_nano_like_go(t);
    // The wall clock there, written as if UTC, then the offset instead of 'Z'.
    std::string text = format_rfc3339_nano_like_go(t + seconds(offset));
    text.pop_back();
    // Offsets are under a day: two digits each.
    const int minutes = static_cast<int>(((offset < 0 ? -offset : offset) / 60) % (24 * 60));
    char zone[16];
    std::snprintf(zone, sizeof zone, "%c%02d:%02d", offset < 0 ? '-' : '+', minutes / 60, minutes % 60);
    return text + zone;
}

std::optional<time_point> parse_rfc3339(std::string_view text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (text.size() < 20 || !read_int(text, 0, 4, year) || text[4] != '-' || !read_int(text, 5, 2, month) ||
        text[7] != '-' || !read_int(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
        !read_int(text, 11, 2, hour) || text[13] != ':' || !read_int(text, 14, 2, minute) || text[16] != ':' ||
        !read_int(text, 17, 2, second)) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    std::int64_t fraction_nanos = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::int64_t scale = 100'000'000;
        const std::size_t digits_start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            fraction_nanos += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == digits_start) return std::nullopt;
    }
    if (pos >= text.size()) return std::nullopt;
    int offset_minutes = 0;
    if (text[pos] == 'Z' || text[pos] == 'z') {
        ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
        int offset_hours = 0, offset_mins = 0;
        if (!read_int(text, pos + 1, 2, offset_hours) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
            !read_int(text, pos + 4, 2, offset_mins)) {
            return std::nullopt;
        }
        offset_minutes = (offset_hours * 60 + offset_mins) * (text[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year{year},
                                           std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    const auto local = sys_days{date}.time_since_epoch() + std::chrono::hours{hour} +
                       std::chrono::minutes{minute - offset_minutes} + seconds{second};
    // Rounded down to a microsecond, as pgx sends a Go time to PostgreSQL.
    return time_point{local + std::chrono::floor<microseconds>(nanoseconds{fraction_nanos})};
}

namespace {
// 2000-01-01 is 10957 days after the Unix epoch.
constexpr std::int64_t postgres_epoch_micros = 946684800LL * 1'000'000;
}  // namespace

std::int64_t to_postgres_micros(time_point t) noexcept { return t.time_since_epoch().count() - postgres_epoch_micros; }

time_point from_postgres_micros(std::int64_t micros) {
    // PostgreSQL's 'infinity' is the largest value: kept as the largest time.
    if (micros > std::numeric_limits<std::int64_t>::max() - postgres_epoch_micros) return time_point::max();
    return time_point{microseconds{micros + postgres_epoch_micros}};
}

}  // namespace riverqueue::core

namespace riverqueue {

std::optional<time_point> parse_rfc3339(std::string_view text) { return core::parse_rfc3339(text); }

std::string format_rfc3339(time_point t) {
    std::string text = core::format_rfc3339_micros(t);
    // "...SS.ffffffZ": drop trailing zeros of the fraction, and the dot if none is left.
    std::size_t end = text.size() - 1;  // position of 'Z'
    std::size_t last = end;
    while (text[last - 1] == '0') --last;
    if (text[last - 1] == '.') --last;
    text.erase(last, end - last);
    return text;
}

}  // namespace riverqueue
