// The job flags shared by `insert` and `unique-key`.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include <riverqueue/job_args.hpp>

namespace riverqueue::cli {

struct job_flags {
    std::string kind;
    std::string args = "{}";
    std::optional<std::string> queue;
    std::optional<int> priority;
    std::optional<int> max_attempts;
    std::optional<std::string> scheduled_at;
    std::optional<std::string> tags;
    std::optional<std::string> metadata;
    bool pending = false;
    std::optional<std::string> unique_by_args;  // "" for all keys, else comma-separated paths
    std::optional<double> unique_by_period_seconds;
    bool unique_by_queue = false;
    std::optional<std::string> unique_by_state;
    bool unique_exclude_kind = false;

    // Adds the flags to a (sub)command.
    void add_to(CLI::App& command);

    // The job and options the flags describe. Throws usage_error for values
    // the flags themselves get wrong (a time, a state name, a priority outside
    // 1-4, max attempts under 1: 0 included, which the library would read as
    // "default"); the library checks everything else.
    insert_many_params to_params() const;
};

// Parses a list like "a,b" (empty items are kept, so that the library rejects them).
std::vector<std::string> split_list(const std::string& text);

}  // namespace riverqueue::cli
