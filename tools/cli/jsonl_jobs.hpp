// Jobs from JSON Lines, one per line, as `insert-many` reads them.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include <riverqueue/job_args.hpp>

namespace riverqueue::cli {

// Parses `{"kind": ..., "args": {...}, "queue": ..., ...}`. The args (and
// metadata) go to the library as their exact text, so that numbers and escapes
// are not rewritten on the way. Throws usage_error naming the field.
insert_many_params parse_job_line(std::string_view line);

// Where each job handed to the library came from: the library names a job by
// its index in the batch, an operator wants its line. Blank lines put line
// numbers ahead of indexes, so one entry is kept per run of blank lines rather
// than one per job, and the map stays small whatever the input's size.
class job_line_numbers {
public:
    // The line (from 1) of the next job, in the order the jobs are handed on.
    void add(std::size_t line);
    // The line of the job at `index` (from 0).
    std::size_t line_of(std::size_t index) const;
    std::size_t jobs() const noexcept { return jobs_; }

private:
    std::size_t jobs_ = 0;
    // (index of the first job after a run of blank lines, lines skipped before it)
    std::vector<std::pair<std::size_t, std::size_t>> skips_;
};

}  // namespace riverqueue::cli
