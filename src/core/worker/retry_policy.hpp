// River's default retry policy (River Go v0.51.2, internal/retrypolicy):
// the n-th failure of a job waits n^4 seconds, give or take 10%.
#pragma once

#include <chrono>
#include <cstddef>

#include <riverqueue/insert_opts.hpp>

namespace riverqueue::core {

// When a job that has failed `error_count` times (this failure included:
// the row's errors as fetched, plus one) is retried, from `now`.
// `jitter` is uniform in [-0.1, 0.1); the wait is capped at Go's largest
// time.Duration (about 292 years), where no jitter applies.
time_point default_next_retry(time_point now, std::size_t error_count, double jitter);

// A jitter for default_next_retry, uniform in [-0.1, 0.1) (per-thread source).
double random_retry_jitter();

// The wait without jitter, in seconds: error_count^4, capped as above.
double default_retry_seconds(std::size_t error_count) noexcept;

}  // namespace riverqueue::core
