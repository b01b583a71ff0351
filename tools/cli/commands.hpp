// The tool's subcommands. Each returns the process exit status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "job_flags.hpp"

namespace riverqueue::cli {

struct connection_flags {
    std::string database_url;  // --database-url, else DATABASE_URL, else libpq's PG* variables
    std::string schema;
    // --advisory-lock-prefix: River's AdvisoryLockPrefix, for unique jobs on
    // schemas up to version 5 (insert and insert-many).
    std::int64_t advisory_lock_prefix = 0;
    // --statement-timeout: milliseconds each statement of insert and
    // insert-many may take before it is cancelled; 0, no limit.
    std::int64_t statement_timeout_ms = 0;

    std::string conninfo() const;
};

int run_migrate(const connection_flags& connection, const std::string& direction, std::optional<int> to);
int run_insert(const connection_flags& connection, const job_flags& job, bool no_notify);
int run_insert_many(const connection_flags& connection, const std::string& input, bool fast, bool no_notify);
int run_unique_key(const job_flags& job, const std::optional<std::string>& now);

}  // namespace riverqueue::cli
