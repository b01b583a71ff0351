// Decodes `river_job` rows from PostgreSQL's binary result format.
//
// Binary results do not depend on the session's DateStyle, TimeZone or
// bytea_output, which a caller's connection may have set to anything. The
// decoder sees only bytes, so it is tested without a server.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include <riverqueue/job_row.hpp>

namespace riverqueue::core {

// One cell: its bytes, or std::nullopt for NULL.
using binary_cell = std::optional<std::string_view>;

// Decodes the job_columns() cells, in that order. Throws riverqueue::error for
// malformed data.
job_row decode_job_row(std::span<const binary_cell> cells);

bool decode_bool(std::string_view bytes);

}  // namespace riverqueue::core
