// Time arithmetic and text forms shared by unique keys, SQL parameters and
// row decoding.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <riverqueue/insert_opts.hpp>

namespace riverqueue::core {

// The instants River Go stores and writes as RFC 3339 (Go's time.Time
// formats years 0000-9999; PostgreSQL's own range is wider): years 0001 to 9999.
inline constexpr time_point earliest_river_time{std::chrono::sys_days{std::chrono::year{1} / 1 / 1}};
inline constexpr time_point latest_river_time{std::chrono::sys_days{std::chrono::year{10000} / 1 / 1} -
                                              std::chrono::microseconds{1}};
constexpr bool within_river_range(time_point t) noexcept {
    return t >= earliest_river_time && t <= latest_river_time;
}

// Rounds `t` down to a multiple of `period` counted from Go's zero time
// (0001-01-01T00:00:00Z), as Go's time.Time.Truncate does. period > 0.
time_point truncate_like_go(time_point t, std::chrono::nanoseconds period);

// `YYYY-MM-DDTHH:MM:SSZ` in UTC, fraction dropped (Go's time.RFC3339 of a UTC time).
std::string format_rfc3339_seconds(time_point t);

// `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC, microseconds (PostgreSQL's precision).
std::string format_rfc3339_micros(time_point t);

// A clock reading at a Go time.Time's precision, nanoseconds: for instants
// read from the clock (before 2262), such as an attempt's start in errors[],
// which River Go writes with every nanosecond digit it has.
using go_time = std::chrono::sys_time<std::chrono::nanoseconds>;

// Go's time.RFC3339Nano of a UTC time, as encoding/json writes a time.Time:
// nanoseconds with trailing zeros dropped (`...:05.1234Z`, `...:05Z`).
std::string format_rfc3339_nano_like_go(go_time t);

// The same in the process's local time with its offset (`...:05.1234-05:00`,
// `Z` when the offset is zero), as Go writes a time.Now() (TZ decides, as for
// a Go process).
std::string format_rfc3339_nano_local_like_go(go_time t);

// Parses RFC 3339 (`2024-01-02T03:04:05Z`, optional fraction, `Z` or ±hh:mm).
std::optional<time_point> parse_rfc3339(std::string_view text);

// Microseconds since 2000-01-01 UTC (PostgreSQL's binary timestamptz) to a time point ...
time_point from_postgres_micros(std::int64_t micros);
// ... and back, for an instant within River's range.
std::int64_t to_postgres_micros(time_point t) noexcept;

}  // namespace riverqueue::core
