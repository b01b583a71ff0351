// riverqueue::migrator against a real PostgreSQL, each test in its own schema.
#include <riverqueue/migrator.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <riverqueue/connection.hpp>
#include <riverqueue/errors.hpp>

#include "../support/test_database.hpp"
#include "drivers/libpq/pg_result.hpp"

namespace riverqueue {
namespace {

using testing::database_url;
using testing::scratch_schema;

const std::vector<int> all_versions{1, 2, 3, 4, 5, 6, 7, 8};

std::vector<int> versions_of(const std::vector<applied_migration>& applied) {
    std::vector<int> versions;
    for (const auto& migration : applied) versions.push_back(migration.version);
    return versions;
}

// Runs a query with text parameters; returns the rows, each as its cells.
std::vector<std::vector<std::string>> query(connection& conn, const std::string& sql,
                                            std::vector<driver::param> params = {}) {
    const auto result =
        libpq::exec_params(conn.native_handle(), sql, params, libpq::result_format::text);
    std::vector<std::vector<std::string>> rows;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
        std::vector<std::string> cells;
        for (int column = 0; column < PQnfields(result.get()); ++column) {
            cells.emplace_back(libpq::cell(result.get(), row, column));
        }
        rows.push_back(std::move(cells));
    }
    return rows;
}

std::string query_value(connection& conn, const std::string& sql,
                        std::vector<driver::param> params = {}) {
    const auto rows = query(conn, sql, std::move(params));
    return rows.empty() || rows.front().empty() ? std::string() : rows.front().front();
}

// Relations (tables, indexes, sequences), types and functions in `schema`.
int object_count(connection& conn, const std::string& schema) {
    return std::stoi(
        query_value(conn,
                    "SELECT (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid)"
                    " + (SELECT count(*) FROM pg_type t WHERE t.typnamespace = n.oid)"
                    " + (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = n.oid)"
                    " FROM pg_namespace n WHERE n.nspname = $1",
                    {schema}));
}

bool relation_exists(connection& conn, const std::string& schema, const std::string& name) {
    return query_value(conn, "SELECT to_regclass($1) IS NOT NULL",
                       {"\"" + schema + "\"." + name}) == "t";
}

bool migration_table_has_line(connection& conn, const std::string& schema) {
    return query_value(conn,
                       "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE "
                       "table_schema = $1 AND table_name = 'river_migration' AND "
                       "column_name = 'line')",
                       {schema}) == "t";
}

class MigratorTest : public ::testing::Test {
protected:
    scratch_schema schema_;
    connection conn_ = connection::open(database_url());
    migrator migrator_{schema_.name()};
};

TEST_F(MigratorTest, UpMigratesANamedSchemaToTheLatestVersion) {
    EXPECT_EQ(migrator::latest_version(), 8);
    const auto before = riverqueue::now();
    EXPECT_EQ(migrator_.migrate_up(conn_), all_versions);

    const auto applied = migrator_.applied(conn_);
    EXPECT_EQ(versions_of(applied), all_versions);
    for (const auto& migration : applied) {
        // The server's clock, recorded at insert: close to ours.
        EXPECT_LT(std::chrono::abs(migration.created_at - before), std::chrono::minutes(5));
    }

    const auto status = migrator_.status(conn_);
    ASSERT_EQ(status.size(), all_versions.size());
    for (std::size_t i = 0; i < status.size(); ++i) {
        EXPECT_EQ(status[i].version, all_versions[i]);
        EXPECT_TRUE(status[i].applied);
        EXPECT_FALSE(status[i].name.empty());
    }
    EXPECT_EQ(status[1].name, "initial schema");

    for (const char* table :
         {"river_migration", "river_job", "river_leader", "river_queue", "river_notification"}) {
        EXPECT_TRUE(relation_exists(conn_, schema_.name(), table)) << table;
    }
    // Version 7 dropped these.
    EXPECT_FALSE(relation_exists(conn_, schema_.name(), "river_client"));
    EXPECT_FALSE(relation_exists(conn_, schema_.name(), "river_client_queue"));
    EXPECT_TRUE(migration_table_has_line(conn_, schema_.name()));
    EXPECT_EQ(query_value(conn_,
                          "SELECT string_agg(line, ',' ORDER BY version) FROM \"" +
                              schema_.name() + "\".river_migration"),
              "main,main,main,main,main,main,main,main");
}

TEST_F(MigratorTest, StatusOfAnEmptySchemaShowsNothingApplied) {
    EXPECT_TRUE(migrator_.applied(conn_).empty());
    for (const auto& version : migrator_.status(conn_)) EXPECT_FALSE(version.applied);
}

TEST_F(MigratorTest, SecondUpAppliesNothing) {
    migrator_.migrate_up(conn_);
    EXPECT_TRUE(migrator_.migrate_up(conn_).empty());
    EXPECT_EQ(versions_of(migrator_.applied(conn_)), all_versions);
}

TEST_F(MigratorTest, DownWithoutTargetRevertsOneVersion) {
    migrator_.migrate_up(conn_);
    EXPECT_EQ(migrator_.migrate_down(conn_), std::vector<int>{8});
    EXPECT_EQ(versions_of(migrator_.applied(conn_)), (std::vector<int>{1, 2, 3, 4, 5, 6, 7}));
    EXPECT_EQ(migrator_.migrate_down(conn_), std::vector<int>{7});
    EXPECT_FALSE(relation_exists(conn_, schema_.name(), "river_notification"));
    EXPECT_TRUE(relation_exists(conn_, schema_.name(), "river_client"));
}

TEST_F(MigratorTest, DownToZeroLeavesNoObjectsInTheSchema) {
    ASSERT_EQ(object_count(conn_, schema_.name()), 0);
    migrator_.migrate_up(conn_);
    ASSERT_GT(object_count(conn_, schema_.name()), 0);

    EXPECT_EQ(migrator_.migrate_down(conn_, 0), (std::vector<int>{8, 7, 6, 5, 4, 3, 2, 1}));
    EXPECT_EQ(object_count(conn_, schema_.name()), 0);
    EXPECT_TRUE(migrator_.applied(conn_).empty());

    // Nothing left to revert is not an error.
    EXPECT_TRUE(migrator_.migrate_down(conn_).empty());
    EXPECT_TRUE(migrator_.migrate_down(conn_, 0).empty());
}

TEST_F(MigratorTest, UpDownUpRoundTrip) {
    migrator_.migrate_up(conn_);
    migrator_.migrate_down(conn_, 0);
    EXPECT_EQ(migrator_.migrate_up(conn_), all_versions);
    EXPECT_EQ(versions_of(migrator_.applied(conn_)), all_versions);
    // The recreated schema accepts a job relying on every default.
    EXPECT_EQ(query_value(conn_, "INSERT INTO \"" + schema_.name() +
                                     "\".river_job (args, kind) VALUES ('{}', 'round_trip')"
                                     " RETURNING state || ',' || max_attempts"),
              "available,25");
}

TEST_F(MigratorTest, UpStopsAtTargetAndResumesFromThere) {
    EXPECT_EQ(migrator_.migrate_up(conn_, 5), (std::vector<int>{1, 2, 3, 4, 5}));
    EXPECT_EQ(versions_of(migrator_.applied(conn_)), (std::vector<int>{1, 2, 3, 4, 5}));
    EXPECT_TRUE(migration_table_has_line(conn_, schema_.name()));
    // A target already applied does nothing, even with later versions pending.
    EXPECT_TRUE(migrator_.migrate_up(conn_, 3).empty());
    EXPECT_EQ(migrator_.migrate_up(conn_, 8), (std::vector<int>{6, 7, 8}));
}

TEST_F(MigratorTest, DownStopsAboveTargetAndUpReturns) {
    migrator_.migrate_up(conn_);
    EXPECT_EQ(migrator_.migrate_down(conn_, 5), (std::vector<int>{8, 7, 6}));
    EXPECT_EQ(versions_of(migrator_.applied(conn_)), (std::vector<int>{1, 2, 3, 4, 5}));
    EXPECT_TRUE(migrator_.migrate_down(conn_, 5).empty());
    EXPECT_EQ(migrator_.migrate_up(conn_), (std::vector<int>{6, 7, 8}));
}

TEST_F(MigratorTest, VersionsBeforeFiveAreReadFromTheOldTableLayout) {
    EXPECT_EQ(migrator_.migrate_up(conn_, 4), (std::vector<int>{1, 2, 3, 4}));
    EXPECT_FALSE(migration_table_has_line(conn_, schema_.name()));
    EXPECT_EQ(versions_of(migrator_.applied(conn_)), (std::vector<int>{1, 2, 3, 4}));

    // Across the layout change in both directions.
    EXPECT_EQ(migrator_.migrate_up(conn_, 5), std::vector<int>{5});
    EXPECT_EQ(migrator_.migrate_down(conn_, 3), (std::vector<int>{5, 4}));
    EXPECT_FALSE(migration_table_has_line(conn_, schema_.name()));
    EXPECT_EQ(versions_of(migrator_.applied(conn_)), (std::vector<int>{1, 2, 3}));
}

TEST_F(MigratorTest, BadTargetsAreValidationErrorsAndChangeNothing) {
    migrator_.migrate_up(conn_, 5);
    EXPECT_THROW(migrator_.migrate_up(conn_, 9), validation_error);
    EXPECT_THROW(migrator_.migrate_up(conn_, 0), validation_error);
    EXPECT_THROW(migrator_.migrate_up(conn_, -1), validation_error);
    EXPECT_THROW(migrator_.migrate_down(conn_, -1), validation_error);
    EXPECT_THROW(migrator_.migrate_down(conn_, 9), validation_error);
    // River refuses a down target that is not applied.
    EXPECT_THROW(migrator_.migrate_down(conn_, 6), validation_error);
    EXPECT_EQ(versions_of(migrator_.applied(conn_)), (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST(MigratorConstruction, RejectsSchemasRiverRefuses) {
    EXPECT_THROW(migrator("bad-name"), validation_error);
    EXPECT_THROW(migrator(std::string(47, 'a')), validation_error);
    EXPECT_NO_THROW(migrator(""));
    EXPECT_EQ(migrator("river_schema").schema(), "river_schema");
}

TEST_F(MigratorTest, FailingVersionIsRolledBackAndEarlierOnesStay) {
    migrator_.migrate_up(conn_, 3);
    // Version 4 creates river_queue; a table already there makes it fail.
    conn_.execute("CREATE TABLE \"" + schema_.name() + "\".river_queue (name text)");

    try {
        migrator_.migrate_up(conn_);
        FAIL() << "expected version 4 to fail";
    } catch (const database_error& e) {
        EXPECT_EQ(e.sqlstate(), "42P07");  // duplicate_table
        EXPECT_NE(e.message().find("version 004 [UP]"), std::string::npos) << e.message();
    }
    EXPECT_FALSE(conn_.in_transaction());
    EXPECT_EQ(versions_of(migrator_.applied(conn_)), (std::vector<int>{1, 2, 3}));
    // Version 4's first statements were rolled back with it.
    EXPECT_EQ(query_value(conn_,
                          "SELECT is_nullable FROM information_schema.columns WHERE "
                          "table_schema = $1 AND table_name = 'river_job' AND column_name = 'args'",
                          {schema_.name()}),
              "YES");

    conn_.execute("DROP TABLE \"" + schema_.name() + "\".river_queue");
    EXPECT_EQ(migrator_.migrate_up(conn_), (std::vector<int>{4, 5, 6, 7, 8}));
}

TEST_F(MigratorTest, DownThroughFiveIsRefusedWhileOtherLinesAreRecorded) {
    migrator_.migrate_up(conn_);
    conn_.execute("INSERT INTO \"" + schema_.name() +
                  "\".river_migration (line, version) VALUES ('other_line', 1)");
    EXPECT_THROW(migrator_.migrate_down(conn_, 4), database_error);
    // 8, 7 and 6 were reverted, each in its own transaction, before 5 failed.
    EXPECT_EQ(versions_of(migrator_.applied(conn_)), (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST(MigratorDefaultSchema, MigratesTheSchemaOfTheSearchPath) {
    scratch_schema schema;
    auto via_search_path = connection::open(schema.conninfo_with_search_path());
    auto admin = connection::open(database_url());
    const migrator unqualified;
    const migrator qualified(schema.name());

    EXPECT_EQ(unqualified.migrate_up(via_search_path), all_versions);
    EXPECT_TRUE(relation_exists(admin, schema.name(), "river_job"));
    EXPECT_EQ(versions_of(qualified.applied(admin)), all_versions);
    EXPECT_EQ(versions_of(unqualified.applied(via_search_path)), all_versions);

    EXPECT_EQ(unqualified.migrate_down(via_search_path, 4), (std::vector<int>{8, 7, 6, 5}));
    EXPECT_EQ(versions_of(qualified.applied(admin)), (std::vector<int>{1, 2, 3, 4}));
    EXPECT_EQ(unqualified.migrate_down(via_search_path, 0), (std::vector<int>{4, 3, 2, 1}));
    EXPECT_EQ(object_count(admin, schema.name()), 0);
}

TEST_F(MigratorTest, RiverJobMatchesRiversContractAtLatestVersion) {
    migrator_.migrate_up(conn_);
    const std::string& schema = schema_.name();

    struct column {
        std::string name;
        std::string type;
        std::string nullable;
        std::string default_value;  // empty: no default
    };
    // The admin connection's search_path does not include the schema, so
    // PostgreSQL qualifies names in defaults with it.
    const std::vector<column> expected{
        {"id", "int8", "NO", "nextval('" + schema + ".river_job_id_seq'::regclass)"},
        {"state", "river_job_state", "NO", "'available'::" + schema + ".river_job_state"},
        {"attempt", "int2", "NO", "0"},
        {"max_attempts", "int2", "NO", "25"},
        {"attempted_at", "timestamptz", "YES", ""},
        {"created_at", "timestamptz", "NO", "now()"},
        {"finalized_at", "timestamptz", "YES", ""},
        {"scheduled_at", "timestamptz", "NO", "now()"},
        {"priority", "int2", "NO", "1"},
        {"args", "jsonb", "NO", ""},
        {"attempted_by", "_text", "YES", ""},
        {"errors", "_jsonb", "YES", ""},
        {"kind", "text", "NO", ""},
        {"metadata", "jsonb", "NO", "'{}'::jsonb"},
        {"queue", "text", "NO", "'default'::text"},
        {"tags", "_varchar", "NO", "'{}'::character varying[]"},
        {"unique_key", "bytea", "YES", ""},
        {"unique_states", "bit", "YES", ""},
    };

    const auto rows =
        query(conn_,
              "SELECT column_name, udt_name, is_nullable, coalesce(column_default, '')"
              " FROM information_schema.columns"
              " WHERE table_schema = $1 AND table_name = 'river_job'"
              " ORDER BY ordinal_position",
              {schema});
    ASSERT_EQ(rows.size(), expected.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i][0], expected[i].name) << "position " << i + 1;
        EXPECT_EQ(rows[i][1], expected[i].type) << expected[i].name;
        EXPECT_EQ(rows[i][2], expected[i].nullable) << expected[i].name;
        EXPECT_EQ(rows[i][3], expected[i].default_value) << expected[i].name;
    }

    EXPECT_EQ(query_value(conn_,
                          "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum"
                          " WHERE enumtypid = to_regtype($1)",
                          {"\"" + schema + "\".river_job_state"}),
              "available,cancelled,completed,discarded,pending,retryable,running,scheduled");
    EXPECT_EQ(query_value(conn_,
                          "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                          " WHERE attrelid = to_regclass($1) AND attname = 'tags'",
                          {"\"" + schema + "\".river_job"}),
              "character varying(255)[]");
    EXPECT_TRUE(relation_exists(conn_, schema, "river_job_unique_idx"));
    EXPECT_TRUE(relation_exists(conn_, schema, "river_job_prioritized_fetching_index"));
    EXPECT_FALSE(relation_exists(conn_, schema, "river_job_kind_unique_key_idx"));
}

}  // namespace
}  // namespace riverqueue
