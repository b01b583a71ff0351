#include "job_flags.hpp"

#include "option_values.hpp"
#include "usage_error.hpp"

namespace riverqueue::cli {

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> items;
    std::string current;
    for (char c : text) {
        if (c == ',') {
            items.push_back(current);
            current.clear();
        } else {
            current.push_back(c);
        }
    }
    items.push_back(current);
    return items;
}

void job_flags::add_to(CLI::App& command) {
    command.add_option("--kind", kind, "Job kind, as the Go worker's Kind() returns it")->required();
    command.add_option("--args", args, "Job args: a JSON object (default {})");
    command.add_option("--queue", queue, "Queue (default: default)");
    command.add_option("--priority", priority, "Priority, 1 (highest) to 4 (default 1)");
    command.add_option("--max-attempts", max_attempts, "Attempts before the job is discarded (default 25)");
    command.add_option("--scheduled-at", scheduled_at, "Run no earlier than this RFC 3339 time");
    command.add_option("--tags", tags, "Comma-separated tags");
    command.add_option("--metadata", metadata, "Metadata: a JSON object");
    command.add_flag("--pending", pending, "Insert as pending: never worked until moved on");
    command.add_option("--unique-by-args", unique_by_args,
                       "Unique by args: all keys, or =k1,k2 for those paths (a.b names a nested key)")
        ->expected(0, 1)
        ->default_str("");
    command.add_option("--unique-by-period", unique_by_period_seconds, "Unique within periods of this many seconds");
    command.add_flag("--unique-by-queue", unique_by_queue, "Unique per queue");
    command.add_option("--unique-by-state", unique_by_state,
                       "Comma-separated states in which another job is a duplicate");
    command.add_flag("--unique-exclude-kind", unique_exclude_kind, "Leave the kind out of the unique key");
}

insert_many_params job_flags::to_params() const {
    // The library reads 0 as River's "default"; given as a flag it is a
    // mistake (leaving the flag out asks for the default), so it is out of range here.
    if (priority && (*priority < 1 || *priority > 4)) {
        throw usage_error("--priority: must be between 1 and 4, not " + std::to_string(*priority));
    }
    if (max_attempts && *max_attempts < 1) {
        throw usage_error("--max-attempts: must be at least 1, not " + std::to_string(*max_attempts));
    }
    insert_many_params params{dynamic_args{kind, args, {}}, {}};
    insert_opts& opts = params.opts;
    opts.queue = queue;
    opts.priority = priority;
    opts.max_attempts = max_attempts;
    if (scheduled_at) opts.scheduled_at = time_from_rfc3339(*scheduled_at, "scheduled_at");
    if (tags) opts.tags = split_list(*tags);
    opts.metadata = metadata;
    opts.pending = pending;

    unique_opts unique;
    if (unique_by_args) {
        if (unique_by_args->empty()) unique.by_args = unique_by_args_all{};
        else unique.by_args = split_list(*unique_by_args);
    }
    if (unique_by_period_seconds) unique.by_period = unique_period_from_seconds(*unique_by_period_seconds);
    unique.by_queue = unique_by_queue;
    if (unique_by_state) unique.by_state = job_states_from_names(split_list(*unique_by_state));
    unique.exclude_kind = unique_exclude_kind;
    if (!unique.empty()) opts.unique = unique;
    return params;
}

}  // namespace riverqueue::cli
