// Schemas at River versions 2 to 5 (River 0.10 and 0.11): the client reads
// the version and inserts as River 0.11.4 did, with its unique scheme (the
// `unique_key` fast path at version 5, the advisory lock path otherwise).
// interop/river011 checks the same against River 0.11.4 itself.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <riverqueue/client.hpp>
#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>

#include "support/test_database.hpp"

namespace riverqueue::testing {
namespace {

using namespace std::chrono_literals;

const std::string default_states = "available,completed,pending,retryable,running,scheduled";

insert_opts unique(unique_opts opts) {
    insert_opts out;
    out.unique = std::move(opts);
    return out;
}

// Not River's default set (retryable and completed left out): the advisory path.
unique_opts advisory_by_args() {
    return unique_opts{.by_args = unique_by_args_all{},
                       .by_state = std::vector<job_state>{job_state::available, job_state::pending,
                                                          job_state::running, job_state::scheduled}};
}

class legacy_schema_test : public ::testing::Test {
protected:
    void migrate_to(int version) {
        admin_ = connection::open(database_url());
        migrator(schema_.name()).migrate_up(admin_, version);
    }

    client make_client(std::int64_t prefix = 0, bool use_schema = true) {
        client_options options;
        options.conninfo = use_schema ? database_url() : schema_.conninfo_with_search_path();
        options.schema = use_schema ? schema_.name() : std::string();
        options.notify_cooldown = 0ms;
        options.advisory_lock_prefix = prefix;
        return client(options);
    }

    std::string scalar(const std::string& sql) { return testing::scalar(admin_.native_handle(), sql); }
    std::string table() const { return "\"" + schema_.name() + "\".river_job"; }
    long job_count() { return std::stol(scalar("SELECT count(*) FROM " + table())); }

    scratch_schema schema_;
    connection admin_{nullptr};
};

TEST_F(legacy_schema_test, PlainJobsGoInAtEveryOldVersion) {
    for (int version = 2; version <= 5; ++version) {
        SCOPED_TRACE(version);
        scratch_schema schema;
        connection conn = connection::open(database_url());
        migrator(schema.name()).migrate_up(conn, version);
        client_options options;
        options.conninfo = database_url();
        options.schema = schema.name();
        client c(options);
        insert_opts opts;
        opts.tags = std::vector<std::string>{"tag_a", "tag_b"};
        opts.priority = 2;
        const insert_result result = c.insert(dynamic_args{"plain", R"({"n":1})", {}}, opts);
        EXPECT_FALSE(result.unique_skipped_as_duplicated);
        EXPECT_EQ(result.job.kind, "plain");
        EXPECT_EQ(result.job.args, R"({"n": 1})");
        EXPECT_EQ(result.job.tags, (std::vector<std::string>{"tag_a", "tag_b"}));
        EXPECT_EQ(result.job.priority, 2);
        EXPECT_EQ(result.job.max_attempts, 25);
        EXPECT_FALSE(result.job.unique_key);
        EXPECT_FALSE(result.job.unique_states);
        EXPECT_EQ(testing::scalar(conn.native_handle(), "SELECT count(*) FROM \"" + schema.name() + "\".river_job"), "1");
    }
}

TEST_F(legacy_schema_test, VersionFiveUniqueJobsTakeTheFastPathWithRiverElevensKey) {
    migrate_to(5);
    auto c = make_client();
    const auto opts = unique({.by_args = unique_by_args_all{}});
    const insert_result first = c.insert(dynamic_args{"k", R"({"a":1})", {}}, opts);
    EXPECT_FALSE(first.unique_skipped_as_duplicated);
    ASSERT_TRUE(first.job.unique_key);
    // River 0.11's key: the SHA-256 of the key string, without the kind.
    EXPECT_EQ(scalar("SELECT unique_key = sha256(convert_to('&args={\"a\":1}&state=" + default_states +
                     "', 'UTF8')) FROM " + table() + " WHERE id = " + std::to_string(first.job.id)),
              "t");
    const insert_result second = c.insert(dynamic_args{"k", R"({"a":1})", {}}, opts);
    EXPECT_TRUE(second.unique_skipped_as_duplicated);
    EXPECT_EQ(second.job.id, first.job.id);
    // Another kind with the same key string is another job (the index is (kind, unique_key)).
    EXPECT_FALSE(c.insert(dynamic_args{"k2", R"({"a":1})", {}}, opts).unique_skipped_as_duplicated);
    EXPECT_EQ(job_count(), 2);
}

TEST_F(legacy_schema_test, AdvisoryPathFindsTheExistingRowAtEveryOldVersion) {
    for (int version : {3, 4, 5}) {
        SCOPED_TRACE(version);
        scratch_schema schema;
        connection conn = connection::open(database_url());
        migrator(schema.name()).migrate_up(conn, version);
        client_options options;
        options.conninfo = database_url();
        options.schema = schema.name();
        options.advisory_lock_prefix = 0x7fff0001;
        client c(options);
        const auto opts = unique(advisory_by_args());
        const insert_result first = c.insert(dynamic_args{"k", R"({"a": 1, "b": 2})", {}}, opts);
        EXPECT_FALSE(first.unique_skipped_as_duplicated);
        EXPECT_FALSE(first.job.unique_key);  // the advisory path stores no key
        // jsonb equality: another spelling of the same args is a duplicate.
        const insert_result second = c.insert(dynamic_args{"k", R"({"b":2,"a":1})", {}}, opts);
        EXPECT_TRUE(second.unique_skipped_as_duplicated);
        EXPECT_EQ(second.job.id, first.job.id);
        EXPECT_FALSE(c.insert(dynamic_args{"k", R"({"a": 2})", {}}, opts).unique_skipped_as_duplicated);
        // A row out of the state set does not count.
        testing::scalar(conn.native_handle(), "UPDATE \"" + schema.name() + "\".river_job SET state = 'completed',"
                                     " finalized_at = now() WHERE id = " + std::to_string(first.job.id));
        EXPECT_FALSE(c.insert(dynamic_args{"k", R"({"a": 1, "b": 2})", {}}, opts).unique_skipped_as_duplicated);
        EXPECT_EQ(testing::scalar(conn.native_handle(), "SELECT count(*) FROM \"" + schema.name() + "\".river_job"), "3");
    }
}

TEST_F(legacy_schema_test, VersionFourDefaultStatesTakeTheAdvisoryPath) {
    migrate_to(4);
    auto c = make_client();
    const auto opts = unique({.by_period = 1h, .by_queue = true});
    const insert_result first = c.insert(dynamic_args{"k", "{}", {}}, opts);
    insert_opts other_queue = opts;
    other_queue.queue = "q2";
    EXPECT_FALSE(c.insert(dynamic_args{"k", R"({"x":1})", {}}, other_queue).unique_skipped_as_duplicated);
    const insert_result again = c.insert(dynamic_args{"k", R"({"x":2})", {}}, opts);
    EXPECT_TRUE(again.unique_skipped_as_duplicated);
    EXPECT_EQ(again.job.id, first.job.id);
    EXPECT_EQ(job_count(), 2);
}

TEST_F(legacy_schema_test, WithoutASchemaTheSearchPathIsUsed) {
    migrate_to(5);
    auto c = make_client(0, false);
    const auto opts = unique(advisory_by_args());
    EXPECT_FALSE(c.insert(dynamic_args{"k", "{}", {}}, opts).unique_skipped_as_duplicated);
    EXPECT_TRUE(c.insert(dynamic_args{"k", "{}", {}}, opts).unique_skipped_as_duplicated);
    EXPECT_EQ(job_count(), 1);
}

TEST_F(legacy_schema_test, InsideTheCallersTransactionBothPathsWork) {
    migrate_to(5);
    auto c = make_client();
    connection conn = connection::open(database_url());
    {
        transaction tx(conn);
        const auto fast = c.insert_tx(tx, dynamic_args{"k", R"({"a":1})", {}}, unique({.by_args = unique_by_args_all{}}));
        const auto advisory = c.insert_tx(tx, dynamic_args{"k", R"({"a":2})", {}}, unique(advisory_by_args()));
        EXPECT_FALSE(fast.unique_skipped_as_duplicated);
        EXPECT_FALSE(advisory.unique_skipped_as_duplicated);
        EXPECT_TRUE(c.insert_tx(tx, dynamic_args{"k", R"({"a":2})", {}}, unique(advisory_by_args()))
                        .unique_skipped_as_duplicated);
        // The savepoint is released: the transaction goes on.
        EXPECT_EQ(testing::scalar(conn.native_handle(), "SELECT count(*) FROM " + table()), "2");
        // Rolled back with the caller's transaction.
    }
    EXPECT_EQ(job_count(), 0);
    {
        transaction tx(conn);
        c.insert_tx(tx, dynamic_args{"k", R"({"a":2})", {}}, unique(advisory_by_args()));
        tx.commit();
    }
    EXPECT_EQ(job_count(), 1);
}

TEST_F(legacy_schema_test, WhatTheOldSchemaCannotStoreIsAValidationErrorBeforeAnythingIsSent) {
    migrate_to(3);
    auto c = make_client();
    insert_opts pending;
    pending.pending = true;
    try {
        c.insert(dynamic_args{"k", "{}", {}}, pending);
        FAIL() << "expected validation_error";
    } catch (const validation_error& e) {
        EXPECT_EQ(e.field(), "pending");
    }
    EXPECT_THROW(c.insert(dynamic_args{"k", R"({"a":1})", {}},
                          unique({.by_args = unique_by_args_subset{"a"}})),
                 validation_error);
    EXPECT_THROW(c.insert(dynamic_args{"k", "{}", {}}, unique({.by_queue = true, .exclude_kind = true})),
                 validation_error);
    std::vector<insert_many_params> batch = {{dynamic_args{"k", "{}", {}}, {}}, {dynamic_args{"k", "{}", {}}, pending}};
    try {
        c.insert_many(batch);
        FAIL() << "expected validation_error";
    } catch (const validation_error& e) {
        EXPECT_EQ(e.field(), "jobs[1].pending");
    }
    EXPECT_THROW(c.insert_many_fast(batch), validation_error);
    EXPECT_EQ(job_count(), 0);
    // At version 4 the pending state exists (a client reads the version once:
    // a new one sees the migrated schema).
    migrator(schema_.name()).migrate_up(admin_, 4);
    EXPECT_EQ(make_client().insert(dynamic_args{"k", "{}", {}}, pending).job.state, job_state::pending);
}

TEST_F(legacy_schema_test, InsertManyDeduplicatesAndIsAllOrNothing) {
    for (int version : {4, 5}) {
        SCOPED_TRACE(version);
        scratch_schema schema;
        connection conn = connection::open(database_url());
        migrator(schema.name()).migrate_up(conn, version);
        client_options options;
        options.conninfo = database_url();
        options.schema = schema.name();
        client c(options);
        const auto count = [&] {
            return testing::scalar(conn.native_handle(), "SELECT count(*) FROM \"" + schema.name() + "\".river_job");
        };
        const auto fast = unique({.by_args = unique_by_args_all{}});
        const auto advisory = unique(advisory_by_args());
        std::vector<insert_many_params> batch = {
            {dynamic_args{"k", R"({"a":1})", {}}, fast},      // new
            {dynamic_args{"plain", "{}", {}}, {}},            // new
            {dynamic_args{"k", R"({"a":1})", {}}, fast},      // duplicate of 0
            {dynamic_args{"k", R"({"a":2})", {}}, advisory},  // new
            {dynamic_args{"plain", "{}", {}}, {}},            // new
            {dynamic_args{"k", R"({"a":2})", {}}, advisory},  // duplicate of 3
        };
        const auto results = c.insert_many(batch);
        ASSERT_EQ(results.size(), 6u);
        EXPECT_FALSE(results[0].unique_skipped_as_duplicated);
        EXPECT_FALSE(results[1].unique_skipped_as_duplicated);
        EXPECT_TRUE(results[2].unique_skipped_as_duplicated);
        EXPECT_EQ(results[2].job.id, results[0].job.id);
        EXPECT_FALSE(results[3].unique_skipped_as_duplicated);
        EXPECT_EQ(results[4].job.kind, "plain");
        EXPECT_TRUE(results[5].unique_skipped_as_duplicated);
        EXPECT_EQ(results[5].job.id, results[3].job.id);
        EXPECT_EQ(count(), "4");

        // A failing job (refused by a CHECK) rolls the whole batch back.
        std::vector<insert_many_params> failing = {
            {dynamic_args{"k", R"({"a":9})", {}}, advisory},
            {dynamic_args{"plain", "{}", {}}, {}},
        };
        testing::scalar(conn.native_handle(), "ALTER TABLE \"" + schema.name() +
                                         "\".river_job ADD CONSTRAINT no_nine CHECK (args <> '{\"a\":9}' OR kind <> 'plain')");
        failing[1].args = dynamic_args{"plain", R"({"a":9})", {}};
        EXPECT_THROW(c.insert_many(failing), database_error);
        EXPECT_EQ(count(), "4");

        // Streamed and bulk forms deduplicate against what is there.
        std::vector<insert_many_params> again = {
            {dynamic_args{"k", R"({"a":1})", {}}, fast},
            {dynamic_args{"k", R"({"a":2})", {}}, advisory},
            {dynamic_args{"plain", "{}", {}}, {}},
        };
        const insert_many_summary summary = c.insert_many(generate_from(again), {});
        EXPECT_EQ(summary.jobs, 3u);
        EXPECT_EQ(summary.inserted, 1u);
        EXPECT_EQ(summary.duplicates, 2u);
        EXPECT_EQ(c.insert_many_fast(again), 1u);
        EXPECT_EQ(count(), "6");
    }
}

TEST_F(legacy_schema_test, InsertManyFastCopiesPlainJobsAtVersionThree) {
    migrate_to(3);
    auto c = make_client();
    std::vector<insert_many_params> batch;
    for (int i = 0; i < 50; ++i) batch.push_back({dynamic_args{"bulk", "{\"i\":" + std::to_string(i) + "}", {}}, {}});
    batch.push_back({dynamic_args{"k", "{}", {}}, unique(advisory_by_args())});
    batch.push_back({dynamic_args{"k", "{}", {}}, unique(advisory_by_args())});
    EXPECT_EQ(c.insert_many_fast(batch), 51u);
    EXPECT_EQ(job_count(), 51);
    EXPECT_EQ(scalar("SELECT count(*) FROM " + table() + " WHERE max_attempts = 25 AND tags = '{}'"), "51");
}

// Threads inserting the same unique jobs at once: one row per key.
void race(const std::string& conninfo, const std::string& schema, const unique_opts& opts, int threads, int keys) {
    client_options options;
    options.conninfo = conninfo;
    options.schema = schema;
    options.pool_size = static_cast<std::size_t>(threads);
    client c(options);
    std::atomic<int> fresh{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            while (!go.load()) std::this_thread::yield();
            for (int k = 0; k < keys; ++k) {
                const int key = (k + t * 7) % keys;  // each thread in another order
                insert_opts call;
                call.unique = opts;
                const auto result = c.insert(dynamic_args{"race", "{\"key\":" + std::to_string(key) + "}", {}}, call);
                if (!result.unique_skipped_as_duplicated) ++fresh;
            }
        });
    }
    go = true;
    for (auto& worker : workers) worker.join();
    EXPECT_EQ(fresh.load(), keys);
}

TEST_F(legacy_schema_test, AtSchemaVersionsThreeAndFourEightThreadsInsertingTheSameUniqueJobsLeaveOneRowPerKey) {
    for (int version : {3, 4}) {
        SCOPED_TRACE(version);
        scratch_schema schema;
        connection conn = connection::open(database_url());
        migrator(schema.name()).migrate_up(conn, version);
        race(database_url(), schema.name(), unique_opts{.by_args = unique_by_args_all{}}, 8, 40);
        EXPECT_EQ(testing::scalar(conn.native_handle(), "SELECT count(*) FROM \"" + schema.name() + "\".river_job"), "40");
        EXPECT_EQ(testing::scalar(conn.native_handle(), "SELECT count(DISTINCT args) FROM \"" + schema.name() + "\".river_job"),
                  "40");
    }
}

TEST_F(legacy_schema_test, AtVersionFiveEightThreadsOnBothPathsLeaveOneRowPerKey) {
    migrate_to(5);
    race(database_url(), schema_.name(), unique_opts{.by_args = unique_by_args_all{}}, 8, 40);
    EXPECT_EQ(job_count(), 40);
    scalar("DELETE FROM " + table());
    race(database_url(), schema_.name(), advisory_by_args(), 8, 40);
    EXPECT_EQ(job_count(), 40);
}

TEST_F(legacy_schema_test, AfterMigratingDownToFiveAndBackUpTheClientFollowsTheSchemaItFindsFirst) {
    admin_ = connection::open(database_url());
    migrator m(schema_.name());
    m.migrate_up(admin_);
    m.migrate_down(admin_, 5);
    {
        auto c = make_client();
        const auto opts = unique({.by_args = unique_by_args_all{}});
        EXPECT_FALSE(c.insert(dynamic_args{"k", "{}", {}}, opts).unique_skipped_as_duplicated);
        EXPECT_TRUE(c.insert(dynamic_args{"k", "{}", {}}, opts).unique_skipped_as_duplicated);
    }
    m.migrate_up(admin_);
    {
        // A new client sees the newest schema and today's unique_states.
        auto c = make_client();
        const auto result = c.insert(dynamic_args{"k", R"({"b":1})", {}}, unique({.by_args = unique_by_args_all{}}));
        EXPECT_FALSE(result.unique_skipped_as_duplicated);
        EXPECT_TRUE(result.job.unique_states);
    }
}

}  // namespace
}  // namespace riverqueue::testing

namespace riverqueue::testing {
namespace {

// A role that may insert jobs but not read river_migration (an insert-only
// role set up before the client read versions): the probe is refused, the
// client inserts as for a current schema, and the caller's transaction goes on.
TEST_F(legacy_schema_test, ARoleThatCannotReadTheMigrationTableStillInserts) {
    admin_ = connection::open(database_url());
    migrator(schema_.name()).migrate_up(admin_);
    const std::string role = schema_.name() + "_inserter";
    const std::string quoted_schema = "\"" + schema_.name() + "\"";
    scalar("CREATE ROLE " + role);
    scalar("GRANT USAGE ON SCHEMA " + quoted_schema + " TO " + role);
    scalar("GRANT SELECT, INSERT, UPDATE ON " + table() + " TO " + role);
    scalar("GRANT USAGE ON ALL SEQUENCES IN SCHEMA " + quoted_schema + " TO " + role);
    auto c = make_client();
    {
        connection conn = connection::open(database_url());
        transaction tx(conn);
        testing::scalar(conn.native_handle(), "SET LOCAL ROLE " + role);
        const auto result = c.insert_tx(tx, dynamic_args{"k", "{}", {}}, unique({.by_args = unique_by_args_all{}}));
        EXPECT_FALSE(result.unique_skipped_as_duplicated);
        EXPECT_TRUE(result.job.unique_states);  // today's scheme
        EXPECT_EQ(testing::scalar(conn.native_handle(), "SELECT 1"), "1");  // the transaction goes on
        tx.commit();
    }
    EXPECT_EQ(job_count(), 1);
    scalar("DROP OWNED BY " + role);
    scalar("DROP ROLE " + role);
}

}  // namespace
}  // namespace riverqueue::testing
