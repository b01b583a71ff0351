#include "progress.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace riverqueue::cli {

progress_meter::progress_meter(std::optional<std::uint64_t> total_bytes)
    : enabled_(::isatty(STDERR_FILENO) != 0), total_bytes_(total_bytes) {}

progress_meter::~progress_meter() {
    if (drawn_) std::fputs("\n", stderr);
}

void progress_meter::update(std::size_t jobs, std::uint64_t bytes) {
    // Reading the clock for every job would cost more than the check saves.
    if (!enabled_ || jobs % 256 != 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now < next_draw_) return;
    next_draw_ = now + std::chrono::milliseconds(100);
    draw(jobs, bytes);
}

void progress_meter::finish(std::size_t jobs, std::uint64_t bytes) {
    if (drawn_) draw(jobs, bytes);
}

void progress_meter::draw(std::size_t jobs, std::uint64_t bytes) {
    drawn_ = true;
    if (!total_bytes_ || *total_bytes_ == 0) {
        std::fprintf(stderr, "\r%zu jobs read", jobs);
    } else {
        constexpr std::uint64_t width = 30;
        const std::uint64_t done = std::min(bytes, *total_bytes_);
        const std::uint64_t filled = done * width / *total_bytes_;
        std::string bar(filled, '#');
        bar.append(width - filled, '.');
        std::fprintf(stderr, "\r[%s] %3u%%  %zu jobs read", bar.c_str(),
                     static_cast<unsigned>(done * 100 / *total_bytes_), jobs);
    }
    std::fflush(stderr);
}

std::optional<std::uint64_t> regular_file_size(const std::string& input) {
    struct stat info {};
    const int status = input == "-" ? ::fstat(STDIN_FILENO, &info) : ::stat(input.c_str(), &info);
    if (status != 0 || !S_ISREG(info.st_mode) || info.st_size < 0) return std::nullopt;
    return static_cast<std::uint64_t>(info.st_size);
}

}  // namespace riverqueue::cli
