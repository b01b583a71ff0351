// Per-insert options, mirroring River's InsertOpts.
//
// Every field is optional. A value given at the call wins over the value that
// the job args type provides for its kind (see job_args.hpp), which wins over
// the client's defaults.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <riverqueue/unique_opts.hpp>

namespace riverqueue {

// An instant, in microseconds (PostgreSQL's timestamptz resolution) since the
// Unix epoch: it holds every date River Go stores (years 0001 to 9999), which
// a nanosecond system_clock::time_point cannot (it ends in 2262). A
// system_clock time converts with std::chrono::floor<std::chrono::microseconds>
// (or riverqueue::to_time_point); comparing with system_clock::now() directly
// converts to nanoseconds and so is only exact before 2262.
using time_point = std::chrono::sys_time<std::chrono::microseconds>;

// The system_clock time `t`, rounded down to a microsecond.
constexpr time_point to_time_point(std::chrono::system_clock::time_point t) noexcept {
    return std::chrono::floor<std::chrono::microseconds>(t);
}

// The current time, as a time_point.
inline time_point now() noexcept { return to_time_point(std::chrono::system_clock::now()); }

struct insert_opts {
    // Attempts before the job is discarded. Must be > 0 and fit a smallint.
    std::optional<int> max_attempts{};
    // 1 (highest) to 4.
    std::optional<int> priority{};
    // 1 to 64 characters of lower-case letters, digits, and single `_`, `-`
    // or `|` separators.
    std::optional<std::string> queue{};
    // Replaces the args type's tags entirely when set, an empty list included.
    std::optional<std::vector<std::string>> tags{};
    // A JSON object, as text.
    std::optional<std::string> metadata{};
    // Run no earlier than this; the job is inserted as `scheduled`.
    std::optional<time_point> scheduled_at{};
    // Insert as `pending`: never worked until something moves it on.
    bool pending = false;
    // Uniqueness; ignored when empty().
    std::optional<unique_opts> unique{};
};

}  // namespace riverqueue
