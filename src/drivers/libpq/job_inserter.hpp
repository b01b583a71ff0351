// Reading the rows of the core's insert statement from a libpq result, for
// code that runs libpq itself (the asynchronous client).
#pragma once

#include <libpq-fe.h>

#include <vector>

#include <riverqueue/job_row.hpp>

namespace riverqueue::libpq {

// Decodes the rows of core::build_insert's statement (binary format), one
// insert_result per row, in the order PostgreSQL returned them.
std::vector<insert_result> decode_insert_rows(const PGresult* result);

}  // namespace riverqueue::libpq
