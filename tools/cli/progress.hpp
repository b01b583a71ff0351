// The progress line `insert-many` draws on stderr, only when stderr is a
// terminal, so that scripts and pipes see nothing but the summary.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace riverqueue::cli {

class progress_meter {
public:
    // `total_bytes`: the input's size when it is known (a regular file), for a
    // bar with a percentage; otherwise only the count of jobs is shown.
    explicit progress_meter(std::optional<std::uint64_t> total_bytes);
    // Ends the line if one was drawn, so that an error message starts on its own line.
    ~progress_meter();
    progress_meter(const progress_meter&) = delete;
    progress_meter& operator=(const progress_meter&) = delete;

    // Cheap enough to call for every job: redraws at most ten times a second.
    void update(std::size_t jobs, std::uint64_t bytes);
    // Shows the final count, if the line is shown at all.
    void finish(std::size_t jobs, std::uint64_t bytes);

private:
    void draw(std::size_t jobs, std::uint64_t bytes);

    bool enabled_;
    std::optional<std::uint64_t> total_bytes_;
    std::chrono::steady_clock::time_point next_draw_{};
    bool drawn_ = false;
};

// The size of the input when it is a regular file ("-" is standard input,
// which may be redirected from one).
std::optional<std::uint64_t> regular_file_size(const std::string& input);

}  // namespace riverqueue::cli
