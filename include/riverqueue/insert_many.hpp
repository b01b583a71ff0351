// The streamed forms of insert_many: where their jobs come from, where their
// rows go, and what they report.
#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <iterator>
#include <optional>
#include <ranges>

#include <riverqueue/job_args.hpp>
#include <riverqueue/job_row.hpp>

namespace riverqueue {

// Produces the jobs of a streamed batch one at a time; std::nullopt ends it.
using job_generator = std::function<std::optional<insert_many_params>()>;

// Receives each row of a streamed insert_many as soon as it is known, with the
// job's position in the input.
using insert_result_handler = std::function<void(std::size_t index, const insert_result& result)>;

// Turns an input range of insert_many_params into a job_generator. The range
// must outlive the call that consumes the generator.
template <std::ranges::input_range R>
    requires std::convertible_to<std::ranges::range_reference_t<R>, const insert_many_params&>
job_generator generate_from(R& range) {
    return [it = std::ranges::begin(range), end = std::ranges::end(range)]() mutable
           -> std::optional<insert_many_params> {
        if (it == end) return std::nullopt;
        insert_many_params next = *it;
        ++it;
        return next;
    };
}

struct insert_many_summary {
    std::size_t jobs = 0;        // jobs in the input
    std::size_t inserted = 0;    // new rows
    std::size_t duplicates = 0;  // unique jobs that already existed (or repeated in the batch)
};

}  // namespace riverqueue
