// The migrator on a driver's session: the same operations over libpqxx as over
// libpq, each version in its own transaction outside one, and all of them in
// the caller's transaction (River's MigrateTx) inside one.
#include <gtest/gtest.h>

#include <string>

#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>

#include "support/test_database.hpp"

#ifdef RIVERQUEUE_TEST_PQXX
#include <pqxx/pqxx>
#include <riverqueue/pqxx.hpp>
#endif

namespace riverqueue::testing {
namespace {

std::string tables_in(connection& conn, const std::string& schema) {
    return scalar(conn.native_handle(),
                  "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = '" + schema +
                      "'");
}

#ifdef RIVERQUEUE_TEST_PQXX

TEST(MigratorOnDrivers, LibpqxxMigratesUpAndDownOutsideATransaction) {
    scratch_schema schema;
    ::pqxx::connection pq(database_url());
    ::pqxx::nontransaction tx(pq);
    libpqxx::session session(tx);
    const migrator m(schema.name());
    EXPECT_EQ(m.migrate_up(session, 3), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(m.migrate_up(session), (std::vector<int>{4, 5, 6, 7, 8}));
    const auto applied = m.applied(session);
    ASSERT_EQ(applied.size(), 8u);
    EXPECT_GT(applied.back().created_at.time_since_epoch().count(), 0);
    EXPECT_TRUE(m.status(session).back().applied);

    // The same rows a migrator over libpq reads.
    connection admin = connection::open(database_url());
    const auto from_libpq = migrator(schema.name()).applied(admin);
    ASSERT_EQ(from_libpq.size(), applied.size());
    for (std::size_t i = 0; i < applied.size(); ++i) {
        EXPECT_EQ(from_libpq[i].version, applied[i].version);
        EXPECT_EQ(from_libpq[i].created_at, applied[i].created_at);
    }
    scratch_schema by_libpq;
    migrator(by_libpq.name()).migrate_up(admin);
    EXPECT_EQ(tables_in(admin, schema.name()), tables_in(admin, by_libpq.name()));
    EXPECT_NE(tables_in(admin, schema.name()).find("river_job"), std::string::npos);

    EXPECT_EQ(m.migrate_down(session, 0), (std::vector<int>{8, 7, 6, 5, 4, 3, 2, 1}));
    EXPECT_EQ(tables_in(admin, schema.name()), "");
}

TEST(MigratorOnDrivers, InsideTheCallersTransactionNothingIsCommittedByTheMigrator) {
    scratch_schema schema;
    connection admin = connection::open(database_url());
    migrator(schema.name()).migrate_up(admin, 4);
    ::pqxx::connection pq(database_url());
    {
        ::pqxx::work tx(pq);
        libpqxx::session session(tx);
        EXPECT_EQ(migrator(schema.name()).migrate_up(session), (std::vector<int>{5, 6, 7, 8}));
        tx.abort();
    }
    EXPECT_EQ(migrator(schema.name()).applied(admin).size(), 4u);  // rolled back with the caller's transaction
    {
        ::pqxx::work tx(pq);
        libpqxx::session session(tx);
        migrator(schema.name()).migrate_up(session);
        tx.commit();
    }
    EXPECT_EQ(migrator(schema.name()).applied(admin).size(), 8u);
}

TEST(MigratorOnDrivers, AFailedVersionIsNamedAndLeavesNothingOfIt) {
    scratch_schema schema;
    connection admin = connection::open(database_url());
    migrator(schema.name()).migrate_up(admin, 2);
    // Version 3 changes river_job.tags: without the column it fails.
    ::pqxx::connection pq(database_url());
    ::pqxx::nontransaction tx(pq);
    tx.exec("ALTER TABLE \"" + schema.name() + "\".river_job DROP COLUMN tags");
    libpqxx::session session(tx);
    try {
        migrator(schema.name()).migrate_up(session);
        FAIL() << "expected database_error";
    } catch (const database_error& e) {
        EXPECT_EQ(std::string(e.what()).find("error applying version 003 [UP]"), 0u) << e.what();
    }
    EXPECT_EQ(migrator(schema.name()).applied(admin).size(), 2u);
}

TEST(MigratorOnDrivers, FromNothingInOneTransactionVersion6CannotUseVersion4sNewStateYet) {
    // PostgreSQL refuses a new enum value (version 4's `pending`) before it
    // is committed; River's MigrateTx meets the same refusal.
    scratch_schema schema;
    ::pqxx::connection pq(database_url());
    ::pqxx::work tx(pq);
    libpqxx::session session(tx);
    try {
        migrator(schema.name()).migrate_up(session);
        FAIL() << "expected database_error";
    } catch (const database_error& e) {
        EXPECT_EQ(e.sqlstate(), "55P04");
        EXPECT_EQ(std::string(e.what()).find("error applying version 006 [UP]"), 0u) << e.what();
    }
}

#else

TEST(MigratorOnDrivers, LibpqxxIsNotBuilt) { GTEST_SKIP() << "libpqxx not found: riverqueue::pqxx not built"; }

#endif

}  // namespace
}  // namespace riverqueue::testing
