// JSON for job rows as the tools print them: every river_job column by name,
// times in RFC 3339 UTC (Go's RFC3339Nano form), unique_key as hex, unique_states
// as state names in alphabetical order. Shared by the CLI and the conformance adapter.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/job_row.hpp>

namespace riverqueue::tools {

// A JSON string literal.
std::string json_string(std::string_view text);

// `{"job": {...}, "unique_skipped_as_duplicated": false}`. args and metadata
// are embedded as the JSON PostgreSQL returned, so no number is reformatted.
std::string insert_result_json(const insert_result& result);

std::string job_json(const job_row& job);

std::string states_json(const std::vector<job_state>& states);

}  // namespace riverqueue::tools
