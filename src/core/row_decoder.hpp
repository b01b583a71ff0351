// Decodes `river_job` rows from PostgreSQL's binary result format, or from the
// text forms that job_columns() selects for drivers that read text.
//
// Neither depends on the session's DateStyle, TimeZone or bytea_output, which
// a caller's connection may have set to anything. The decoder sees only
// bytes, so it is tested without a server.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <riverqueue/driver.hpp>
#include <riverqueue/job_row.hpp>

namespace riverqueue::core {

// One cell: its bytes, or std::nullopt for NULL.
using binary_cell = std::optional<std::string_view>;

// Decodes the job_columns() cells, in that order. Throws riverqueue::error for
// malformed data.
job_row decode_job_row(std::span<const binary_cell> cells);
job_row decode_job_row_text(std::span<const binary_cell> cells);

// An integer cell of any width (smallint, integer, bigint) in either format;
// std::nullopt for NULL.
std::optional<std::int64_t> decode_integer_cell(binary_cell cell, driver::result_format format);
// A timestamptz cell in either format (text: job_columns()'s microseconds
// since the Unix epoch); NULL is malformed.
time_point decode_time_cell(binary_cell cell, driver::result_format format);
// A boolean cell in either format; NULL is malformed.
bool decode_bool_cell(binary_cell cell, driver::result_format format);

bool decode_bool(std::string_view bytes);
bool decode_bool_text(std::string_view text);

// Decodes rows of exactly job_columns(), one job_row per row.
std::vector<job_row> decode_job_rows(const driver::rows& rows, driver::result_format format);

// Whether an args cell may be NULL: in the rows of an insert that asked for
// them to be left out (core::elides_returned_args), which are then decoded
// with empty args for core::assemble_results to fill.
enum class args_cell { required, may_be_elided };

// Decodes the rows of core::build_insert's statement, one per row, in the
// order PostgreSQL returned them.
std::vector<insert_result> decode_insert_rows(const driver::rows& rows, driver::result_format format,
                                              args_cell args = args_cell::required);

}  // namespace riverqueue::core
