// One element of river_job.errors, as River Go writes it: encoding/json of
// rivertype.AttemptError, `{"at":"<RFC 3339 nano>","attempt":N,"error":"...","trace":"..."}`.
#pragma once

#include <string>
#include <string_view>

#include <riverqueue/insert_opts.hpp>

namespace riverqueue::core {

// `at`: when the attempt started (the executor's clock, UTC); `attempt`: the
// job's attempt number as fetched; `trace`: empty unless the worker crashed.
std::string attempt_error_json(time_point at, int attempt, std::string_view error, std::string_view trace);

}  // namespace riverqueue::core
