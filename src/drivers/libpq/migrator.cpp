// riverqueue::migrator over libpq: runs the SQL of core/migrations.hpp the way
// River's rivermigrate does.
//
// Like River, it takes no lock: two migrators racing on one schema both read the
// same versions, and the slower one fails on an object the faster one created,
// with its version rolled back. Migrations are a deploy step, not a hot path.
#include <riverqueue/migrator.hpp>

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>

#include "core/identifiers.hpp"
#include "core/migrations.hpp"
#include "drivers/libpq/pg_result.hpp"

namespace riverqueue {
namespace {

using core::migration_direction;

std::int64_t parse_integer(std::string_view text) {
    std::int64_t value = 0;
    const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (status != std::errc() || end != text.data() + text.size()) {
        throw error("unexpected integer from PostgreSQL: " + std::string(text));
    }
    return value;
}

libpq::result_ptr run(PGconn* conn, const core::migration_statement& statement) {
    return libpq::exec_params(conn, statement.sql, statement.params, libpq::result_format::text);
}

bool query_bool(PGconn* conn, const core::migration_statement& statement) {
    const auto result = run(conn, statement);
    return libpq::cell(result.get(), 0, 0) == "t";
}

// River's existingMigrations: no table means nothing applied; a table without
// `line` predates version 5 and holds only main-line versions.
std::vector<applied_migration> read_applied(PGconn* conn, const std::string& schema) {
    if (!query_bool(conn, core::migration_table_exists_query(schema))) return {};
    const auto layout = query_bool(conn, core::migration_line_column_exists_query(schema))
                            ? core::migration_table_layout::by_line
                            : core::migration_table_layout::version_only;
    const auto result = run(conn, core::applied_versions_query(schema, layout));

    std::vector<applied_migration> applied;
    const int rows = PQntuples(result.get());
    applied.reserve(static_cast<std::size_t>(rows));
    for (int row = 0; row < rows; ++row) {
        const std::chrono::microseconds since_epoch{
            parse_integer(libpq::cell(result.get(), row, 0))};
        applied.push_back(applied_migration{
            static_cast<int>(parse_integer(libpq::cell(result.get(), row, 1))),
            time_point(std::chrono::duration_cast<time_point::duration>(since_epoch))});
    }
    return applied;
}

std::vector<int> versions_of(const std::vector<applied_migration>& applied) {
    std::vector<int> versions;
    versions.reserve(applied.size());
    for (const auto& migration : applied) versions.push_back(migration.version);
    return versions;
}

// River's error prefix, e.g. "error applying version 005 [UP]: ...".
std::string failure_prefix(int version, migration_direction direction) {
    char prefix[64];
    std::snprintf(prefix, sizeof prefix, "error applying version %03d [%s]: ", version,
                  direction == migration_direction::up ? "UP" : "DOWN");
    return prefix;
}

// One version in its own transaction, as River does: some versions depend on
// an earlier one having committed (an enum value must be committed before a
// function can use it). The river_migration row changes in the same
// transaction, so a failure leaves neither the objects nor the record.
void run_version(PGconn* conn, const std::string& schema, int version,
                 migration_direction direction) {
    const std::string sql = core::render_migration_sql(version, direction, schema);
    transaction tx(conn);
    try {
        libpq::exec_simple(conn, sql);
        if (direction == migration_direction::up) {
            run(conn, core::record_applied_statement(schema, version));
        } else if (const auto record = core::record_reverted_statement(schema, version)) {
            run(conn, *record);
        }
    } catch (const database_error& e) {
        throw database_error(e.sqlstate(), failure_prefix(version, direction) + e.message(),
                             e.detail(), e.hint(), e.constraint());
    }
    tx.commit();
}

std::vector<int> run_versions(PGconn* conn, const std::string& schema,
                              const std::vector<int>& versions, migration_direction direction) {
    for (const int version : versions) run_version(conn, schema, version, direction);
    return versions;
}

}  // namespace

migrator::migrator(std::string schema) : schema_(std::move(schema)) {
    core::validate_schema_name(schema_);
}

int migrator::latest_version() noexcept { return core::latest_migration_version; }

std::vector<int> migrator::migrate_up(connection& conn, std::optional<int> target_version) const {
    const auto plan = core::plan_migrate_up(versions_of(applied(conn)), target_version);
    return run_versions(conn.native_handle(), schema_, plan, migration_direction::up);
}

std::vector<int> migrator::migrate_down(connection& conn,
                                        std::optional<int> target_version) const {
    const auto plan = core::plan_migrate_down(versions_of(applied(conn)), target_version);
    return run_versions(conn.native_handle(), schema_, plan, migration_direction::down);
}

std::vector<applied_migration> migrator::applied(connection& conn) const {
    return read_applied(conn.native_handle(), schema_);
}

std::vector<migration_version_status> migrator::status(connection& conn) const {
    const auto applied_versions = versions_of(applied(conn));
    std::vector<migration_version_status> statuses;
    for (const auto& known : core::main_migrations()) {
        statuses.push_back(migration_version_status{
            known.version, std::string(known.name),
            std::find(applied_versions.begin(), applied_versions.end(), known.version) !=
                applied_versions.end()});
    }
    return statuses;
}

}  // namespace riverqueue
