// `insert-many`'s input, read and parsed on a thread of its own a bounded
// number of jobs ahead of the inserts: parsing JSON Lines (microseconds a job)
// then overlaps with the server's work instead of alternating with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <riverqueue/job_args.hpp>

#include "jsonl_jobs.hpp"

namespace riverqueue::cli {

// One consumer calls next(), line_of() and the counts, from one thread; the
// reading thread is private to the object. Memory stays bounded: at most
// `chunks_ahead` chunks of `chunk_jobs` parsed jobs wait, whatever the input.
class jsonl_read_ahead {
public:
    static constexpr std::size_t chunk_jobs = 256;
    static constexpr std::size_t chunks_ahead = 8;

    // Reads FILE, or standard input for "-". Throws usage_error when the file
    // cannot be opened.
    static jsonl_read_ahead open(const std::string& input);
    // Reads a copy of `fd` (the caller keeps and closes its own).
    static jsonl_read_ahead from_descriptor(int fd);

    // Neither copied nor moved: the factories' results are built in place.
    jsonl_read_ahead(jsonl_read_ahead&&) = delete;
    jsonl_read_ahead& operator=(jsonl_read_ahead&&) = delete;
    jsonl_read_ahead(const jsonl_read_ahead&) = delete;
    jsonl_read_ahead& operator=(const jsonl_read_ahead&) = delete;
    // Stops the reading thread. It does not wait for a writer that stalls:
    // when an insert fails, the command ends at once even if the pipe feeding
    // it stays open and silent (the thread, blocked in read(), is left to end
    // with the process and touches nothing but its own state when it wakes).
    ~jsonl_read_ahead();

    // The next job, or std::nullopt at the end of the input. Blank lines are
    // skipped. A bad line throws usage_error naming the line, after every job
    // before it was handed out. The reading starts on the first call.
    std::optional<insert_many_params> next();

    // The input line (from 1) of the job at `index` (from 0, in the order
    // next() handed them out), for naming the line of a job the library rejected.
    std::size_t line_of(std::size_t index) const { return lines_.line_of(index); }
    // Jobs handed out so far, and the input bytes through the last of them.
    std::size_t jobs_read() const noexcept { return lines_.jobs(); }
    std::uint64_t bytes_read() const noexcept { return bytes_; }

    struct parsed_job {
        insert_many_params params;
        std::size_t line = 0;
        std::uint64_t bytes_through = 0;
    };
    struct shared_state;

private:
    explicit jsonl_read_ahead(int owned_fd);

    std::shared_ptr<shared_state> state_;
    std::thread reader_;
    std::vector<parsed_job> chunk_;  // the chunk being handed out
    std::size_t at_ = 0;             // its next job
    job_line_numbers lines_;
    std::uint64_t bytes_ = 0;
};

}  // namespace riverqueue::cli
