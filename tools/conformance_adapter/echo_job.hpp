// The `conformance_echo` job of River's conformance contract: its params
// (behavior, duration_ms, message, opts) as riverqueue insert parameters.
#pragma once

#include <boost/json.hpp>

#include <riverqueue/job_args.hpp>

namespace riverqueue::conformance {

// `allow_schema`: `insert` also takes a schema (read by the caller).
insert_many_params echo_job_params(const boost::json::value& job, bool allow_schema);

}  // namespace riverqueue::conformance
