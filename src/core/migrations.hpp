// River's schema migrations (the `main` line) and the bookkeeping around them,
// without I/O: SQL text, rendering for a schema, which versions a request
// touches, and the statements that read and write `river_migration`.
//
// Everything here mirrors rivermigrate in River v0.51.2, so that a database
// migrated by this library is indistinguishable from one migrated by River.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/sql_statement.hpp"

namespace riverqueue::core {

inline constexpr int latest_migration_version = 8;

// The only migration line this library knows; River records it in
// `river_migration.line` from version 5 on.
inline constexpr std::string_view main_migration_line = "main";

struct migration {
    int version;
    // River's name for the version (its file name, underscores as spaces).
    std::string_view name;
    // SQL templates; `${schema}` stands where River puts its schema template.
    std::string_view up_sql;
    std::string_view down_sql;
};

enum class migration_direction { up, down };

// Versions 1..latest_migration_version, ascending.
std::span<const migration> main_migrations() noexcept;

// Throws validation_error("target_version", ...) for an unknown version.
const migration& find_migration(int version);

// The SQL of one version for `schema` (empty: unqualified names, resolved by the
// search_path). Throws validation_error for a bad schema or version.
std::string render_migration_sql(int version, migration_direction direction,
                                 std::string_view schema);

// Versions to apply, in order, given the versions already recorded.
// Follows River: every unapplied known version up to and including `target`
// (default: the newest); nothing when `target` is already applied.
// Throws validation_error unless 1 <= target <= latest_migration_version.
std::vector<int> plan_migrate_up(std::span<const int> applied_versions,
                                 std::optional<int> target);

// Versions to revert, newest first. Follows River: without a target, one step;
// otherwise every applied version above `target`, which must itself be applied
// (0 reverts everything). Throws validation_error for a target outside
// 0..latest_migration_version or not applied.
std::vector<int> plan_migrate_down(std::span<const int> applied_versions,
                                   std::optional<int> target);

// A statement and its text parameters (std::nullopt is SQL NULL).
// `river_migration` had `(id, created_at, version)` before version 5 and
// `(line, version, created_at)` from then on.
enum class migration_table_layout { version_only, by_line };

// One row `(table_exists boolean, has_line boolean)`: whether `river_migration`
// exists in `schema` (through the search_path when empty) and whether that
// same table has the `line` column (versions 5 and later). The migrator and
// the clients' schema version probe both read the table's layout with it.
sql_statement migration_table_probe(std::string_view schema);

// One row `(max_version bigint)`, NULL when no version is recorded: the main
// line's newest version, for either layout of `river_migration`.
sql_statement latest_version_query(std::string_view schema, migration_table_layout layout);

// Rows `(created_at_microseconds_since_epoch bigint, version bigint)` of the main
// line, ascending by version.
sql_statement applied_versions_query(std::string_view schema,
                                           migration_table_layout layout);

// Records `version` as applied, run in the version's transaction after its SQL.
sql_statement record_applied_statement(std::string_view schema, int version);

// Forgets `version`, run in the version's transaction after its down SQL;
// std::nullopt for version 1, whose down SQL drops `river_migration` itself.
std::optional<sql_statement> record_reverted_statement(std::string_view schema,
                                                             int version);

}  // namespace riverqueue::core
