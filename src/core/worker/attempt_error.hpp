// One element of river_job.errors, as River Go writes it: encoding/json of
// rivertype.AttemptError, `{"at":"<RFC 3339 nano>","attempt":N,"error":"...","trace":"..."}`.
#pragma once

#include <string>
#include <string_view>

#include <riverqueue/insert_opts.hpp>

#include "core/time_format.hpp"

namespace riverqueue::core {

// `at`: when the attempt started; `attempt`: the job's attempt number as
// fetched; `trace`: empty unless the worker crashed. `local_offset`: `at` in
// the process's local time with its offset, as River Go's executor writes its
// clock (its rescuer writes UTC).
std::string attempt_error_json(go_time at, int attempt, std::string_view error, std::string_view trace,
                               bool local_offset = false);

}  // namespace riverqueue::core
