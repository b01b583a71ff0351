#include "core/migrations.hpp"

#include <algorithm>

#include <riverqueue/errors.hpp>

#include "core/identifiers.hpp"

namespace riverqueue::core {
namespace {

// Where the schema prefix (`"schema".` or nothing) goes in the templates below.
// River writes `/* TEMPLATE: schema */` there and substitutes the same prefix.
constexpr std::string_view schema_placeholder = "${schema}";


// Version at which `river_migration` gained `line` (River's
// migrateVersionLineColumnAdded).
constexpr int line_column_added_version = 5;

std::string range_rule(int lowest) {
    return "must be between " + std::to_string(lowest) + " and " +
           std::to_string(latest_migration_version);
}

bool contains(std::span<const int> versions, int version) {
    return std::find(versions.begin(), versions.end(), version) != versions.end();
}

std::string migration_table(std::string_view schema) {
    return schema_prefix(schema) + "river_migration";
}

}  // namespace

const migration& find_migration(int version) {
    if (version < 1 || version > latest_migration_version) {
        throw validation_error("target_version", range_rule(1));
    }
    return main_migrations()[static_cast<std::size_t>(version - 1)];
}

std::string render_migration_sql(int version, migration_direction direction,
                                 std::string_view schema) {
    // Validation also keeps the prefix safe inside the string literal that
    // version 5 passes to to_regclass.
    validate_schema_name(schema);
    const migration& found = find_migration(version);
    const std::string_view sql = direction == migration_direction::up ? found.up_sql
                                                                       : found.down_sql;
    const std::string prefix = schema_prefix(schema);

    std::string rendered;
    rendered.reserve(sql.size());
    std::size_t position = 0;
    for (std::size_t found_at = sql.find(schema_placeholder); found_at != std::string_view::npos;
         found_at = sql.find(schema_placeholder, position)) {
        rendered.append(sql, position, found_at - position);
        rendered.append(prefix);
        position = found_at + schema_placeholder.size();
    }
    rendered.append(sql, position);
    return rendered;
}

std::vector<int> plan_migrate_up(std::span<const int> applied_versions,
                                 std::optional<int> target) {
    if (target && (*target < 1 || *target > latest_migration_version)) {
        throw validation_error("target_version", range_rule(1));
    }
    // River fills gaps too: any known version not recorded is pending.
    std::vector<int> pending;
    for (const migration& known : main_migrations()) {
        if (!contains(applied_versions, known.version)) pending.push_back(known.version);
    }
    if (!target) return pending;
    // River: "An up migration whose target is already applied does nothing,
    // even if later migrations are pending."
    if (!contains(pending, *target)) return {};
    std::erase_if(pending, [&](int version) { return version > *target; });
    return pending;
}

std::vector<int> plan_migrate_down(std::span<const int> applied_versions,
                                   std::optional<int> target) {
    if (target && (*target < 0 || *target > latest_migration_version)) {
        throw validation_error("target_version", range_rule(0));
    }
    // Only versions this library knows can be reverted; River ignores others.
    std::vector<int> revertible;
    for (auto known = main_migrations().rbegin(); known != main_migrations().rend(); ++known) {
        if (contains(applied_versions, known->version)) revertible.push_back(known->version);
    }
    if (!target) {
        // River reverts a single step by default, for safety.
        // erase, not resize(1): GCC 12 at -O3 warns (-Warray-bounds) on
        // resize's growth branch, which cannot run here.
        if (revertible.size() > 1) revertible.erase(revertible.begin() + 1, revertible.end());
        return revertible;
    }
    if (*target == 0) return revertible;
    if (!contains(revertible, *target)) {
        throw validation_error("target_version",
                               "version " + std::to_string(*target) + " is not applied");
    }
    std::erase_if(revertible, [&](int version) { return version <= *target; });
    return revertible;
}

sql_statement migration_table_probe(std::string_view schema) {
    // to_regclass takes the name as text and returns NULL, rather than
    // failing, when the table (or the schema) does not exist; the column is
    // looked up on that very table.
    return {"SELECT t.oid IS NOT NULL, EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a"
            " WHERE a.attrelid = t.oid AND a.attname = 'line' AND a.attnum > 0 AND NOT a.attisdropped)"
            " FROM (SELECT to_regclass($1) AS oid) AS t",
            {migration_table(schema)}};
}

sql_statement latest_version_query(std::string_view schema, migration_table_layout layout) {
    std::string sql = "SELECT max(version) FROM " + migration_table(schema);
    if (layout == migration_table_layout::version_only) return {std::move(sql), {}};
    return {sql + " WHERE line = $1", {std::string(main_migration_line)}};
}

sql_statement applied_versions_query(std::string_view schema,
                                           migration_table_layout layout) {
    // Microseconds as an integer: exact, and independent of the session's
    // TimeZone and DateStyle.
    std::string sql =
        "SELECT (extract(epoch FROM created_at) * 1000000)::bigint, version FROM " +
        migration_table(schema);
    if (layout == migration_table_layout::version_only) {
        return {sql + " ORDER BY version", {}};
    }
    return {sql + " WHERE line = $1 ORDER BY version", {std::string(main_migration_line)}};
}

sql_statement record_applied_statement(std::string_view schema, int version) {
    // River writes the layout the version's own SQL leaves behind: version 5
    // adds `line`, so it and later versions are recorded with it.
    if (version < line_column_added_version) {
        return {"INSERT INTO " + migration_table(schema) + " (version) VALUES ($1)",
                {std::to_string(version)}};
    }
    return {"INSERT INTO " + migration_table(schema) + " (line, version) VALUES ($1, $2)",
            {std::string(main_migration_line), std::to_string(version)}};
}

std::optional<sql_statement> record_reverted_statement(std::string_view schema,
                                                             int version) {
    if (version <= 1) return std::nullopt;
    // Reverting version 5 has already removed `line` when this runs.
    if (version <= line_column_added_version) {
        return sql_statement{
            "DELETE FROM " + migration_table(schema) + " WHERE version = $1",
            {std::to_string(version)}};
    }
    return sql_statement{
        "DELETE FROM " + migration_table(schema) + " WHERE line = $1 AND version = $2",
        {std::string(main_migration_line), std::to_string(version)}};
}

}  // namespace riverqueue::core
