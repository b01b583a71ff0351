// JSON the tool prints: job rows with every river_job column, keys, summaries.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/job_row.hpp>

namespace riverqueue::cli {

// A JSON string literal.
std::string json_string(std::string_view text);

// `{"job": {...}, "unique_skipped_as_duplicated": false}`. args and metadata
// are embedded as the JSON PostgreSQL returned, so no number is reformatted.
std::string insert_result_json(const insert_result& result);

std::string job_json(const job_row& job);

std::string states_json(const std::vector<job_state>& states);

}  // namespace riverqueue::cli
