// River job rows in PostgreSQL's COPY text format, for the bulk fast path.
#pragma once

#include <string>
#include <string_view>

#include "core/insert_params.hpp"

namespace riverqueue::core {

// `COPY <schema>.river_job (args, created_at, ...) FROM STDIN`: the columns a
// non-unique job sets; every other column takes River's default.
std::string copy_jobs_statement(std::string_view schema);

// Appends one line for `job` (which must not be unique) in COPY text format.
void append_copy_row(std::string& out, const resolved_job& job);

// Appends `value` escaped for a COPY text field (backslash, tab, newline, CR).
void append_copy_field(std::string& out, std::string_view value);

}  // namespace riverqueue::core
