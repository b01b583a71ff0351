// Resolving an insert: call options over the args type's over the client's
// defaults, validated, with the unique key computed. The result is exactly
// the column values River Go would write.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <riverqueue/insert_opts.hpp>
#include <riverqueue/job_args.hpp>
#include <riverqueue/job_state.hpp>
#include <riverqueue/unique_opts.hpp>

#include "core/json_text.hpp"

namespace riverqueue::core {

struct insert_defaults {
    int max_attempts = 25;
};

struct resolved_job {
    std::string kind;
    json_text args;  // validated JSON object text, borrowed or owned (json_text.hpp)
    int max_attempts = 25;
    int priority = 1;
    std::string queue;
    std::vector<std::string> tags;
    std::string metadata;  // validated JSON object text
    time_point created_at{};
    time_point scheduled_at{};
    job_state state = job_state::available;
    std::optional<std::array<std::uint8_t, 32>> unique_key;
    std::uint8_t unique_states = 0;  // 0 when the job is not unique
    // The unique options the key was computed from (std::nullopt when the job
    // is not unique): schemas up to version 5 use River 0.11's scheme, which
    // is computed from them (core/legacy_unique.hpp).
    std::optional<unique_opts> unique;
};

// Whether a resolved job borrows the caller's args text (an insert that ends
// before the caller's args can go away: every synchronous call) or copies it
// (one that outlives the call: the asynchronous client's). Borrowing spares a
// copy of what may be a very large value.
enum class args_text { borrow, copy };

// Throws validation_error naming the field and the rule. `now` is the insert
// time: created_at, default scheduled_at, and the unique period's base.
resolved_job resolve_insert(const dynamic_args& args, const insert_opts& call_opts, const insert_defaults& defaults,
                            time_point now, args_text text);
// The same, the args text moved into the job (which owns it).
resolved_job resolve_insert(dynamic_args&& args, const insert_opts& call_opts, const insert_defaults& defaults,
                            time_point now);

// Resolves job `index` of a batch; a validation error names its position
// (`jobs[3].queue`).
resolved_job resolve_insert_at(const insert_many_params& job, std::size_t index, const insert_defaults& defaults,
                               time_point now, args_text text);
resolved_job resolve_insert_at(insert_many_params&& job, std::size_t index, const insert_defaults& defaults,
                               time_point now);

// Resolves a batch; a validation error names the job's index (`jobs[3].queue`).
std::vector<resolved_job> resolve_insert_many(std::span<const insert_many_params> jobs,
                                              const insert_defaults& defaults, time_point now, args_text text);

}  // namespace riverqueue::core
