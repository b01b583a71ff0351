// One job per line of JSON Lines, as `insert-many` reads them.
#pragma once

#include <string_view>

#include <riverqueue/job_args.hpp>

namespace riverqueue::cli {

// Parses `{"kind": ..., "args": {...}, "queue": ..., ...}`. The args go to the
// library as their exact text, so that numbers and escapes are not rewritten
// on the way. Throws usage_error naming the field.
insert_many_params parse_job_line(std::string_view line);

}  // namespace riverqueue::cli
