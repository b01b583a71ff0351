// Jobs from JSON Lines, one per line, as `insert-many` reads them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <riverqueue/job_args.hpp>

namespace riverqueue::cli {

// Parses `{"kind": ..., "args": {...}, "queue": ..., ...}`. The args (and
// metadata) go to the library as their exact text, so that numbers and escapes
// are not rewritten on the way. Throws usage_error naming the field.
insert_many_params parse_job_line(std::string_view line);

// Reads jobs one line at a time, so that input of any size takes bounded
// memory. Blank lines are skipped.
class jsonl_job_reader {
public:
    explicit jsonl_job_reader(std::istream& in);

    // The next job, or std::nullopt at the end. Throws usage_error naming the
    // line and the field.
    std::optional<insert_many_params> next();

    // The input line (from 1) of the job at `index` (from 0, in reading order),
    // for naming the line of a job the library rejected.
    std::size_t line_of(std::size_t index) const;

    std::size_t jobs_read() const noexcept { return jobs_; }
    std::uint64_t bytes_read() const noexcept { return bytes_; }

private:
    std::istream& in_;
    std::string line_;  // reused, so that reading allocates once per longest line
    std::size_t lines_ = 0;
    std::size_t jobs_ = 0;
    std::uint64_t bytes_ = 0;
    // Where blank lines put line numbers ahead of job indexes: (index of the
    // first job after them, lines skipped before it). One entry per run of
    // blank lines rather than one per job, so it stays small.
    std::vector<std::pair<std::size_t, std::size_t>> skips_;
};

}  // namespace riverqueue::cli
