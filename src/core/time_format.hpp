// Time arithmetic and text forms shared by unique keys, SQL parameters and
// row decoding.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <riverqueue/insert_opts.hpp>

namespace riverqueue::core {

// Rounds `t` down to a multiple of `period` counted from Go's zero time
// (0001-01-01T00:00:00Z), as Go's time.Time.Truncate does. period > 0.
time_point truncate_like_go(time_point t, std::chrono::nanoseconds period);

// `YYYY-MM-DDTHH:MM:SSZ` in UTC, fraction dropped (Go's time.RFC3339 of a UTC time).
std::string format_rfc3339_seconds(time_point t);

// `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC, microseconds (PostgreSQL's precision).
std::string format_rfc3339_micros(time_point t);

// Go's time.RFC3339Nano of a UTC time, as encoding/json writes a time.Time:
// nanoseconds with trailing zeros dropped (`...:05.1234Z`, `...:05Z`).
std::string format_rfc3339_nano_like_go(time_point t);

// The same in the process's local time with its offset (`...:05.1234-05:00`,
// `Z` when the offset is zero), as Go writes a time.Now() (TZ decides, as for
// a Go process).
std::string format_rfc3339_nano_local_like_go(time_point t);

// Parses RFC 3339 (`2024-01-02T03:04:05Z`, optional fraction, `Z` or ±hh:mm).
std::optional<time_point> parse_rfc3339(std::string_view text);

// Microseconds since 2000-01-01 UTC (PostgreSQL's binary timestamptz) to a time point.
time_point from_postgres_micros(std::int64_t micros);

}  // namespace riverqueue::core
