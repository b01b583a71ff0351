#include "core/ops/migrate.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

#include <riverqueue/errors.hpp>

#include "core/row_decoder.hpp"

namespace riverqueue::core::ops {
namespace {

driver::statement view(const sql_statement& statement, bool commits_itself = false) {
    return {statement.sql, statement.params, false, commits_itself};
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

// The version's SQL and its river_migration row, in one transaction: a
// failure leaves neither the objects nor the record.
op<void> apply_version(std::string_view schema, int version, migration_direction direction) {
    const std::string sql = render_migration_sql(version, direction, schema);
    co_await script(sql);
    if (direction == migration_direction::up) {
        const sql_statement record = record_applied_statement(schema, version);
        co_await query(view(record));
    } else if (const auto record = record_reverted_statement(schema, version)) {
        co_await query(view(*record));
    }
}

op<void> run_version(session_facts facts, std::string_view schema, int version, migration_direction direction) {
    // Each version in its own transaction, as River does: some depend on an
    // earlier one having committed (an enum value must be committed before
    // it can be used).
    const bool own_transaction = !facts.in_transaction;
    if (own_transaction) co_await query({"BEGIN", {}, false, false});
    std::exception_ptr failure;
    try {
        co_await apply_version(schema, version, direction);
    } catch (const database_error& e) {
        failure = std::make_exception_ptr(database_error(e.sqlstate(), failure_prefix(version, direction) + e.message(),
                                                         e.detail(), e.hint(), e.constraint()));
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        if (own_transaction) {
            try {
                co_await query({"ROLLBACK", {}, false, false});
            } catch (...) {
                // The connection is gone: the transaction went with it.
            }
        }
        std::rethrow_exception(failure);
    }
    if (own_transaction) co_await query({"COMMIT", {}, false, true});
}

}  // namespace

op<migration_table_state> probe_migration_table(session_facts facts, std::string_view schema) {
    const sql_statement probe = migration_table_probe(schema);
    const auto rows = co_await query(view(probe));
    if (rows->row_count() != 1 || rows->column_count() != 2) throw error("the river_migration probe failed");
    migration_table_state state;
    state.exists = decode_bool_cell(rows->cell(0, 0), facts.format);
    state.layout = decode_bool_cell(rows->cell(0, 1), facts.format) ? migration_table_layout::by_line
                                                                    : migration_table_layout::version_only;
    co_return state;
}

op<std::vector<applied_migration>> read_applied(session_facts facts, std::string_view schema) {
    const migration_table_state table = co_await probe_migration_table(facts, schema);
    std::vector<applied_migration> applied;
    if (!table.exists) co_return applied;
    const sql_statement versions = applied_versions_query(schema, table.layout);
    const auto rows = co_await query(view(versions));
    applied.reserve(rows->row_count());
    for (std::size_t row = 0; row < rows->row_count(); ++row) {
        const auto micros = decode_integer_cell(rows->cell(row, 0), facts.format);
        const auto version = decode_integer_cell(rows->cell(row, 1), facts.format);
        if (!micros || !version) throw error("river_migration holds a NULL version or time");
        applied.push_back(applied_migration{
            static_cast<int>(*version),
            time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::microseconds(*micros)))});
    }
    co_return applied;
}

op<std::vector<int>> migrate(session_facts facts, std::string_view schema, migration_direction direction,
                             std::optional<int> target) {
    const auto applied = versions_of(co_await read_applied(facts, schema));
    const std::vector<int> plan = direction == migration_direction::up ? plan_migrate_up(applied, target)
                                                                       : plan_migrate_down(applied, target);
    for (const int version : plan) co_await run_version(facts, schema, version, direction);
    co_return plan;
}

}  // namespace riverqueue::core::ops
