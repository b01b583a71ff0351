// Unique keys, computed exactly as River Go computes them, exposed so that
// tools and users can see why two jobs did or did not deduplicate.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/insert_opts.hpp>
#include <riverqueue/unique_opts.hpp>

namespace riverqueue {

struct unique_key {
    // The string that is hashed, e.g. `&kind=email&args={"to":"a@b.c"}`.
    std::string key_string;
    // SHA-256 of key_string: the value of `river_job.unique_key`.
    std::array<std::uint8_t, 32> digest{};

    // digest as lower-case hex.
    std::string hex() const;
};

// Everything the key depends on.
struct unique_key_input {
    std::string_view kind;
    // The args as a JSON object (text). Validated: a validation_error is thrown
    // when it is not a UTF-8 JSON object.
    std::string_view args_json;
    std::string_view queue;
    // The job's scheduled_at, when one was given; the period is then counted
    // from it rather than from `now`.
    std::optional<time_point> scheduled_at{};
    // The current time, used for the period when scheduled_at is unset.
    time_point now{};
};

// Computes the key. Validates `opts` first (throws validation_error); with a
// by_period, the period's base (scheduled_at, else now) must be in River's
// years 0001 to 9999 (validation_error naming scheduled_at or now).
// Precondition: !opts.empty().
unique_key compute_unique_key(const unique_key_input& input, const unique_opts& opts);

// The `river_job.unique_states` bitmask for these options, as a byte value:
// available 0x01, cancelled 0x02, completed 0x04, discarded 0x08, pending 0x10,
// retryable 0x20, running 0x40, scheduled 0x80. River's default set is 0xF5.
std::uint8_t unique_states_bitmask(const unique_opts& opts);

// The states a `unique_states` bitmask holds, in name order.
std::vector<job_state> unique_states_from_bitmask(std::uint8_t mask);

}  // namespace riverqueue
