// RFC 3339 times, as River writes them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <riverqueue/insert_opts.hpp>

namespace riverqueue {

// Parses `2024-01-02T03:04:05Z`, with an optional fraction and `Z` or ±hh:mm.
std::optional<time_point> parse_rfc3339(std::string_view text);

// `2024-01-02T03:04:05.123456Z`: UTC, microseconds (PostgreSQL's precision),
// trailing zeros of the fraction trimmed as Go's RFC3339Nano does.
std::string format_rfc3339(time_point t);

}  // namespace riverqueue
