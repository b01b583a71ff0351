// River's `river_job` columns, in the order every row-returning statement of
// the library selects them: one table from which the column lists (binary and
// text forms, and those of old schema versions) are made and by which the row
// decoders name the cells they read.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include <riverqueue/driver.hpp>

namespace riverqueue::core {

enum class job_column : std::size_t {
    id, args, attempt, attempted_at, attempted_by, created_at, errors, finalized_at, kind, max_attempts,
    metadata, priority, queue, state, scheduled_at, tags, unique_key, unique_states,
};

// What a cell holds, which decides its text form (for drivers that read text,
// forms no session setting changes) and its decoding.
enum class cell_kind {
    int8, int2, text, job_state,
    jsonb,        // text form: as is
    jsonb_array,  // errors: text form array_to_json
    text_array,   // text form array_to_json
    timestamptz,  // text form: microseconds since the Unix epoch (not DateStyle/TimeZone)
    bytea,        // text form: hex (not bytea_output)
    bit8,
};

struct job_column_info {
    std::string_view name;
    cell_kind kind;
    bool nullable;
    // The first schema version that has the column; older ones select NULL of
    // `null_type` in its place.
    int first_version = 1;
    std::string_view null_type = {};
    // NULL was allowed before version 4 where River now stores `{}`: old
    // schemas select coalesce(column, '{}').
    bool empty_object_before_version_4 = false;
};

inline constexpr std::array<job_column_info, 18> job_column_table = {{
    {"id", cell_kind::int8, false},
    {"args", cell_kind::jsonb, false, 1, {}, true},
    {"attempt", cell_kind::int2, false},
    {"attempted_at", cell_kind::timestamptz, true},
    {"attempted_by", cell_kind::text_array, true},
    {"created_at", cell_kind::timestamptz, false},
    {"errors", cell_kind::jsonb_array, true},
    {"finalized_at", cell_kind::timestamptz, true},
    {"kind", cell_kind::text, false},
    {"max_attempts", cell_kind::int2, false},
    {"metadata", cell_kind::jsonb, false, 1, {}, true},
    {"priority", cell_kind::int2, false},
    {"queue", cell_kind::text, false},
    {"state", cell_kind::job_state, false},
    {"scheduled_at", cell_kind::timestamptz, false},
    {"tags", cell_kind::text_array, true},
    {"unique_key", cell_kind::bytea, true, 5, "bytea"},
    {"unique_states", cell_kind::bit8, true, 6, "bit(8)"},
}};

inline constexpr int job_column_count = static_cast<int>(job_column_table.size());
inline constexpr int newest_schema_version = 1'000'000;

constexpr std::size_t column_index(job_column column) noexcept { return static_cast<std::size_t>(column); }
constexpr const job_column_info& column_info(job_column column) noexcept {
    return job_column_table[column_index(column)];
}

// The column list, each qualified by `table`, for a schema of
// `schema_version` (default: one that has every column).
std::string job_columns(std::string_view table, driver::result_format format = driver::result_format::binary,
                        int schema_version = newest_schema_version);
// The same (for the newest schema) with `column` selected as `expression`, an
// SQL expression of the column's type.
std::string job_columns_replacing(std::string_view table, driver::result_format format, job_column column,
                                  std::string_view expression);

}  // namespace riverqueue::core
