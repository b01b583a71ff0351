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

using time_point = std::chrono::system_clock::time_point;

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
