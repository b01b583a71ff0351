// The `conformance_echo` job of River's conformance contract: its params
// (behavior, duration_ms, message, opts) as riverqueue insert parameters.
#pragma once

#include <string_view>

#include <riverqueue/job_args.hpp>

#include "json_input.hpp"

namespace riverqueue::conformance {

// `job` is the job's params parsed, `raw_job` the same params as the request
// wrote them: opts.metadata reaches the library as that text, as River's
// reference passes the raw bytes on. `allow_schema`: `insert` also takes a
// schema (read by the caller).
insert_many_params echo_job_params(const tools::json::value& job, std::string_view raw_job, bool allow_schema);

}  // namespace riverqueue::conformance
