// River's migrations without a database: the catalogue of versions, rendering
// for a schema, which versions a request touches, and river_migration bookkeeping.
#include "core/migrations.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/errors.hpp>

namespace riverqueue::core {
namespace {

std::size_t count_occurrences(std::string_view text, std::string_view needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string_view::npos;
         at = text.find(needle, at + needle.size())) {
        ++count;
    }
    return count;
}

bool contains(std::string_view text, std::string_view needle) {
    return text.find(needle) != std::string_view::npos;
}

// River's newest migration is version 8; all_versions and the names below list them all.
static_assert(latest_migration_version == 8);
const std::vector<int> all_versions{1, 2, 3, 4, 5, 6, 7, 8};

TEST(Migrations, EveryVersionFromOneToLatestIsPresentInOrder) {
    const auto migrations = main_migrations();
    ASSERT_EQ(migrations.size(), static_cast<std::size_t>(latest_migration_version));
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
        EXPECT_FALSE(migrations[i].name.empty());
        EXPECT_FALSE(migrations[i].up_sql.empty()) << "version " << migrations[i].version;
        EXPECT_FALSE(migrations[i].down_sql.empty()) << "version " << migrations[i].version;
        EXPECT_EQ(&find_migration(migrations[i].version), &migrations[i]);
    }
}

TEST(Migrations, NamesAreRiversFileNames) {
    const std::vector<std::string_view> river_names{
        "create river migration",  "initial schema",
        "river job tags non null", "pending and more",
        "migration unique client", "bulk unique",
        "notification outbox sqlite jsonb and sql cleanup", "job id autoincrement"};
    ASSERT_EQ(main_migrations().size(), river_names.size());
    for (std::size_t i = 0; i < river_names.size(); ++i) {
        EXPECT_EQ(main_migrations()[i].name, river_names[i]);
    }
}

TEST(Migrations, UnknownVersionIsAValidationError) {
    for (const int version : {-1, 0, latest_migration_version + 1}) {
        EXPECT_THROW(find_migration(version), validation_error) << version;
        EXPECT_THROW(render_migration_sql(version, migration_direction::up, ""), validation_error)
            << version;
    }
}

TEST(MigrationRendering, DefaultSchemaLeavesNamesUnqualified) {
    for (const int version : all_versions) {
        for (const auto direction : {migration_direction::up, migration_direction::down}) {
            const std::string sql = render_migration_sql(version, direction, "");
            EXPECT_FALSE(contains(sql, "${schema}")) << version;
            EXPECT_FALSE(contains(sql, "\".")) << version;
        }
    }
    EXPECT_TRUE(contains(render_migration_sql(1, migration_direction::up, ""),
                         "CREATE TABLE river_migration("));
    EXPECT_TRUE(contains(render_migration_sql(2, migration_direction::up, ""),
                         "state river_job_state NOT NULL DEFAULT 'available'"));
}

TEST(MigrationRendering, NamedSchemaQualifiesEveryReferenceLikeRiver) {
    // River renders the schema as a quoted identifier followed by a dot.
    const std::string prefix = "\"my_schema\".";
    for (const auto& migration : main_migrations()) {
        for (const auto direction : {migration_direction::up, migration_direction::down}) {
            const std::string_view template_sql =
                direction == migration_direction::up ? migration.up_sql : migration.down_sql;
            const std::string sql = render_migration_sql(migration.version, direction, "my_schema");
            EXPECT_FALSE(contains(sql, "${schema}")) << migration.version;
            EXPECT_EQ(count_occurrences(sql, prefix), count_occurrences(template_sql, "${schema}"))
                << migration.version;
        }
    }
    EXPECT_TRUE(contains(render_migration_sql(1, migration_direction::up, "my_schema"),
                         "CREATE TABLE \"my_schema\".river_migration("));
    EXPECT_TRUE(contains(render_migration_sql(2, migration_direction::up, "my_schema"),
                         "EXECUTE PROCEDURE \"my_schema\".river_job_notify();"));
    // Inside a string literal too, where to_regclass parses it.
    EXPECT_TRUE(contains(render_migration_sql(5, migration_direction::up, "my_schema"),
                         "to_regclass('\"my_schema\".river_migration')"));
}

TEST(MigrationRendering, EveryVersionButTheLastChangesSomethingBothWays) {
    for (const int version : all_versions) {
        const std::string up = render_migration_sql(version, migration_direction::up, "s");
        const std::string down = render_migration_sql(version, migration_direction::down, "s");
        if (version == latest_migration_version) {
            // Version 8 only matters to SQLite: a no-op on PostgreSQL.
            EXPECT_EQ(up, down);
        } else {
            EXPECT_NE(up, down) << version;
            EXPECT_TRUE(contains(down, "\"s\".")) << version;
        }
    }
}

TEST(MigrationRendering, ObjectsCreatedUpAreDroppedDown) {
    struct created_and_dropped {
        int version;
        std::string_view up;
        std::string_view down;
    };
    const std::vector<created_and_dropped> pairs{
        {1, "CREATE TABLE \"s\".river_migration(", "DROP TABLE \"s\".river_migration;"},
        {2, "CREATE TYPE \"s\".river_job_state", "DROP TYPE \"s\".river_job_state;"},
        {2, "CREATE UNLOGGED TABLE \"s\".river_leader(", "DROP TABLE \"s\".river_leader;"},
        {4, "CREATE TABLE \"s\".river_queue (", "DROP TABLE \"s\".river_queue;"},
        {5, "CREATE UNLOGGED TABLE \"s\".river_client (", "DROP TABLE \"s\".river_client;"},
        {6, "FUNCTION \"s\".river_job_state_in_bitmask(",
         "DROP FUNCTION \"s\".river_job_state_in_bitmask;"},
        {7, "CREATE TABLE \"s\".river_notification (", "DROP TABLE \"s\".river_notification;"},
    };
    for (const auto& pair : pairs) {
        EXPECT_TRUE(contains(render_migration_sql(pair.version, migration_direction::up, "s"),
                             pair.up))
            << pair.up;
        EXPECT_TRUE(contains(render_migration_sql(pair.version, migration_direction::down, "s"),
                             pair.down))
            << pair.down;
    }
}

TEST(MigrationRendering, SharedStatementsAreSpelledIdentically) {
    // Version 4's down recreates the trigger function of version 2, and version
    // 7's down the client tables of version 5: the recreated objects must be the
    // same, function body included.
    const std::string function_start = "CREATE OR REPLACE FUNCTION river_job_notify()";
    const std::string function_end = "LANGUAGE plpgsql;";
    const auto function_of = [&](const std::string& sql) {
        const auto start = sql.find(function_start);
        const auto end = sql.find(function_end, start);
        return start == std::string::npos ? std::string() : sql.substr(start, end - start);
    };
    const std::string created = function_of(render_migration_sql(2, migration_direction::up, ""));
    EXPECT_FALSE(created.empty());
    EXPECT_EQ(created, function_of(render_migration_sql(4, migration_direction::down, "")));
    EXPECT_TRUE(contains(render_migration_sql(2, migration_direction::up, ""),
                         "    -- Notify will coalesce duplicate notifications within a "
                         "transaction, so\n"));

    const std::string client_tables_start = "CREATE UNLOGGED TABLE river_client (";
    const std::string up5 = render_migration_sql(5, migration_direction::up, "");
    const std::string down7 = render_migration_sql(7, migration_direction::down, "");
    const auto start5 = up5.find(client_tables_start);
    ASSERT_NE(start5, std::string::npos);
    EXPECT_TRUE(contains(down7, up5.substr(start5)));
}

TEST(MigrationRendering, RejectsSchemasRiverRefuses) {
    EXPECT_THROW(render_migration_sql(1, migration_direction::up, "bad-name"), validation_error);
    EXPECT_THROW(render_migration_sql(1, migration_direction::up, "x'); DROP TABLE y; --"),
                 validation_error);
    EXPECT_THROW(render_migration_sql(1, migration_direction::up, std::string(64, 'a')),
                 validation_error);
}

TEST(MigrateUpPlan, DefaultAppliesEveryPendingVersion) {
    EXPECT_EQ(plan_migrate_up({}, std::nullopt), all_versions);
    const std::vector<int> applied{1, 2, 3, 4, 5};
    EXPECT_EQ(plan_migrate_up(applied, std::nullopt), (std::vector<int>{6, 7, 8}));
    EXPECT_TRUE(plan_migrate_up(all_versions, std::nullopt).empty());
}

TEST(MigrateUpPlan, TargetIsIncluded) {
    EXPECT_EQ(plan_migrate_up({}, 3), (std::vector<int>{1, 2, 3}));
    const std::vector<int> applied{1, 2, 3};
    EXPECT_EQ(plan_migrate_up(applied, 5), (std::vector<int>{4, 5}));
    EXPECT_EQ(plan_migrate_up(applied, 8), (std::vector<int>{4, 5, 6, 7, 8}));
}

TEST(MigrateUpPlan, AlreadyAppliedTargetDoesNothingEvenWithLaterVersionsPending) {
    const std::vector<int> applied{1, 2, 3, 4, 5};
    EXPECT_TRUE(plan_migrate_up(applied, 3).empty());
    EXPECT_TRUE(plan_migrate_up(applied, 5).empty());
}

TEST(MigrateUpPlan, GapsAreFilledAsRiverDoes) {
    const std::vector<int> applied{1, 2, 4};
    EXPECT_EQ(plan_migrate_up(applied, std::nullopt), (std::vector<int>{3, 5, 6, 7, 8}));
}

TEST(MigrateUpPlan, TargetOutsideKnownVersionsIsAValidationError) {
    for (const int target : {-1, 0, latest_migration_version + 1}) {
        try {
            plan_migrate_up({}, target);
            ADD_FAILURE() << "no error for target " << target;
        } catch (const validation_error& e) {
            EXPECT_EQ(e.field(), "target_version");
        }
    }
}

TEST(MigrateDownPlan, DefaultRevertsOneStep) {
    EXPECT_EQ(plan_migrate_down(all_versions, std::nullopt), (std::vector<int>{8}));
    const std::vector<int> applied{1, 2, 3};
    EXPECT_EQ(plan_migrate_down(applied, std::nullopt), (std::vector<int>{3}));
    EXPECT_TRUE(plan_migrate_down({}, std::nullopt).empty());
}

TEST(MigrateDownPlan, TargetIsExcludedAndZeroRevertsEverything) {
    EXPECT_EQ(plan_migrate_down(all_versions, 5), (std::vector<int>{8, 7, 6}));
    EXPECT_EQ(plan_migrate_down(all_versions, 0), (std::vector<int>{8, 7, 6, 5, 4, 3, 2, 1}));
    EXPECT_TRUE(plan_migrate_down(all_versions, 8).empty());
    EXPECT_TRUE(plan_migrate_down({}, 0).empty());
}

TEST(MigrateDownPlan, TargetMustBeApplied) {
    const std::vector<int> applied{1, 2, 3, 4, 5};
    EXPECT_THROW(plan_migrate_down(applied, 6), validation_error);
    EXPECT_THROW(plan_migrate_down({}, 1), validation_error);
}

TEST(MigrateDownPlan, TargetOutsideKnownVersionsIsAValidationError) {
    EXPECT_THROW(plan_migrate_down(all_versions, -1), validation_error);
    EXPECT_THROW(plan_migrate_down(all_versions, latest_migration_version + 1), validation_error);
}

TEST(MigrateDownPlan, VersionsThisLibraryDoesNotKnowAreIgnoredAsRiverDoes) {
    const std::vector<int> applied{1, 2, 3, 4, 5, 6, 7, 8, 9};
    EXPECT_EQ(plan_migrate_down(applied, std::nullopt), (std::vector<int>{8}));
    EXPECT_TRUE(plan_migrate_up(applied, std::nullopt).empty());
}

TEST(MigrationBookkeeping, OneProbeReadsTheTablesExistenceAndLayout) {
    const sql_statement probe = migration_table_probe("my schema");
    EXPECT_TRUE(contains(probe.sql, "to_regclass($1)"));
    EXPECT_TRUE(contains(probe.sql, "attname = 'line'"));
    EXPECT_EQ(probe.params, (std::vector<riverqueue::driver::param>{"\"my schema\".river_migration"}));
    EXPECT_EQ(migration_table_probe("").params, (std::vector<riverqueue::driver::param>{"river_migration"}));

    const sql_statement by_line = latest_version_query("s", migration_table_layout::by_line);
    EXPECT_EQ(by_line.sql, "SELECT max(version) FROM \"s\".river_migration WHERE line = $1");
    EXPECT_EQ(by_line.params, (std::vector<riverqueue::driver::param>{"main"}));
    const sql_statement old = latest_version_query("", migration_table_layout::version_only);
    EXPECT_EQ(old.sql, "SELECT max(version) FROM river_migration");
    EXPECT_TRUE(old.params.empty());
}

TEST(MigrationBookkeeping, ReadsOnlyTheMainLineOnceItExists) {
    const auto version_only = applied_versions_query("s", migration_table_layout::version_only);
    EXPECT_TRUE(contains(version_only.sql, "FROM \"s\".river_migration"));
    EXPECT_FALSE(contains(version_only.sql, "line"));
    EXPECT_TRUE(version_only.params.empty());

    const auto by_line = applied_versions_query("", migration_table_layout::by_line);
    EXPECT_TRUE(contains(by_line.sql, "FROM river_migration WHERE line = $1"));
    EXPECT_EQ(by_line.params, (std::vector<riverqueue::driver::param>{"main"}));
}

TEST(MigrationBookkeeping, RecordsUseTheLayoutEachVersionLeaves) {
    for (const int version : {1, 2, 3, 4}) {
        const auto record = record_applied_statement("s", version);
        EXPECT_TRUE(contains(record.sql, "INSERT INTO \"s\".river_migration (version)")) << version;
        EXPECT_EQ(record.params,
                  (std::vector<riverqueue::driver::param>{std::to_string(version)}));
    }
    for (const int version : {5, 6, 7, 8}) {
        const auto record = record_applied_statement("s", version);
        EXPECT_TRUE(contains(record.sql, "INSERT INTO \"s\".river_migration (line, version)"))
            << version;
        EXPECT_EQ(record.params,
                  (std::vector<riverqueue::driver::param>{"main", std::to_string(version)}));
    }
}

TEST(MigrationBookkeeping, RevertingVersionOneLeavesNoTableToDeleteFrom) {
    EXPECT_FALSE(record_reverted_statement("s", 1).has_value());
    for (const int version : {2, 3, 4, 5}) {
        // Version 5's down SQL has already removed `line` when the row goes.
        const auto record = record_reverted_statement("s", version);
        ASSERT_TRUE(record.has_value());
        EXPECT_FALSE(contains(record->sql, "line")) << version;
        EXPECT_TRUE(contains(record->sql, "DELETE FROM \"s\".river_migration")) << version;
    }
    for (const int version : {6, 7, 8}) {
        const auto record = record_reverted_statement("", version);
        ASSERT_TRUE(record.has_value());
        EXPECT_TRUE(contains(record->sql, "DELETE FROM river_migration WHERE line = $1"))
            << version;
        EXPECT_EQ(record->params,
                  (std::vector<riverqueue::driver::param>{"main", std::to_string(version)}));
    }
}

}  // namespace
}  // namespace riverqueue::core
