// Every insert path through PgBouncer (Debian 12's 1.18), in transaction and
// session pooling. PgBouncer keeps two server connections while the clients
// keep more, so client connections keep landing on server connections that
// other clients used before: what breaks named prepared statements in
// transaction pooling (issue: "prepared statement riverqueue_0 already
// exists"). In transaction pooling the client runs with prepared_statements
// off, the one option docs/deployment.md names; in session pooling with its
// defaults.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <riverqueue/client.hpp>
#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>

#ifdef RIVERQUEUE_TEST_ASYNC
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <riverqueue/async_client.hpp>
#endif

#ifdef RIVERQUEUE_CLI_PATH
#include "cli_runner.hpp"
#endif
#include "support/river_on_server.hpp"
#include "support/servers.hpp"
#include "support/test_database.hpp"

namespace riverqueue::deploy {
namespace {

using namespace std::chrono_literals;
using testing::scalar;

insert_opts unique_by_args() {
    insert_opts opts;
    opts.unique = unique_opts{.by_args = unique_by_args_all{}};
    return opts;
}

std::vector<insert_many_params> notes(int from, int count, const insert_opts& opts = {}) {
    std::vector<insert_many_params> jobs;
    for (int i = from; i < from + count; ++i) jobs.push_back(make_insert_many_params(note_args{i}, opts));
    return jobs;
}

// A fresh schema on the test database (migrated to `version`), PgBouncer in
// front of that database, and clients through it.
class through_pgbouncer {
public:
    // In session pooling every client connection holds a server connection
    // for its whole life, so PgBouncer needs as many as the clients keep
    // (docs/deployment.md); in transaction and statement pooling two serve
    // them all.
    explicit through_pgbouncer(const std::string& pool_mode, std::optional<int> version = std::nullopt,
                               std::optional<int> server_connections = std::nullopt)
        : session_pooling_(pool_mode == "session"),
          bouncer_(test_database_socket().dir, test_database_socket().port,
                   pgbouncer_settings{.pool_mode = pool_mode,
                                      .default_pool_size = server_connections.value_or(session_pooling_ ? 20 : 2),
                                      .extra = {}}),
          admin_(connection::open(testing::database_url())) {
        migrator(schema_.name()).migrate_up(admin_, version);
    }

    // Behind transaction or statement pooling, the documented option;
    // behind session pooling, the defaults.
    client_options options(std::size_t pool_size = 4) const {
        client_options options;
        options.conninfo = bouncer_.conninfo();
        options.schema = schema_.name();
        options.pool_size = pool_size;
        options.notify_cooldown = 0ms;
        options.prepared_statements = session_pooling_;
        return options;
    }
    client make_client(std::size_t pool_size = 4) const { return client(options(pool_size)); }

    long job_count() { return std::stol(scalar(admin_.native_handle(), "SELECT count(*) FROM " + table())); }
    std::string table() const { return "\"" + schema_.name() + "\".river_job"; }
    const std::string& schema() const { return schema_.name(); }
    const pgbouncer& bouncer() const { return bouncer_; }

private:
    bool session_pooling_;
    testing::scratch_schema schema_;
    pgbouncer bouncer_;
    connection admin_;
};

class PgBouncerPaths : public ::testing::TestWithParam<std::string> {};

TEST_P(PgBouncerPaths, SingleInsertsPlainAndUnique) {
    through_pgbouncer setup(GetParam());
    // Two clients with more connections than PgBouncer's two server
    // connections, so that statements of one land where the other's were.
    auto first = setup.make_client();
    auto second = setup.make_client();
    for (int i = 0; i < 30; ++i) {
        auto& c = i % 2 == 0 ? first : second;
        EXPECT_FALSE(c.insert(note_args{i}).unique_skipped_as_duplicated);
        EXPECT_FALSE(c.insert(note_args{1000 + i}, unique_by_args()).unique_skipped_as_duplicated);
        auto& other = i % 2 == 0 ? second : first;
        const insert_result again = other.insert(note_args{1000 + i}, unique_by_args());
        EXPECT_TRUE(again.unique_skipped_as_duplicated);
    }
    EXPECT_EQ(setup.job_count(), 60);
}

TEST_P(PgBouncerPaths, ConcurrentInsertsFromManyThreads) {
    through_pgbouncer setup(GetParam());
    auto c = setup.make_client(8);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                try {
                    c.insert(note_args{t * 100 + i});
                    c.insert(note_args{i}, unique_by_args());  // one row per i across threads
                } catch (const std::exception& e) {
                    ++failures;
                    ADD_FAILURE() << e.what();
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(setup.job_count(), 8 * 25 + 25);
}

TEST_P(PgBouncerPaths, InsertTxOnTheCallersConnection) {
    through_pgbouncer setup(GetParam());
    auto c = setup.make_client();
    for (int round = 0; round < 5; ++round) {
        auto conn = connection::open(setup.bouncer().conninfo());
        {
            transaction tx(conn);
            c.insert_tx(tx, note_args{round});
            c.insert_tx(tx, note_args{500}, unique_by_args());
            c.insert_many_tx(tx, notes(100 * round + 10, 3));
            tx.commit();
        }
        {
            transaction tx(conn);
            c.insert_tx(tx, note_args{9999});
            tx.rollback();  // nothing of it stays
        }
    }
    EXPECT_EQ(setup.job_count(), 5 + 1 + 15);
}

TEST_P(PgBouncerPaths, BatchesWithDuplicates) {
    through_pgbouncer setup(GetParam());
    auto first = setup.make_client();
    auto second = setup.make_client();
    for (int round = 0; round < 10; ++round) {
        auto jobs = notes(round * 10, 5);
        auto unique_jobs = notes(0, 3, unique_by_args());  // the same three every round
        jobs.insert(jobs.end(), unique_jobs.begin(), unique_jobs.end());
        const auto results = (round % 2 == 0 ? first : second).insert_many(jobs);
        ASSERT_EQ(results.size(), 8u);
        for (std::size_t i = 5; i < 8; ++i) EXPECT_EQ(results[i].unique_skipped_as_duplicated, round > 0);
    }
    EXPECT_EQ(setup.job_count(), 10 * 5 + 3);
}

TEST_P(PgBouncerPaths, StreamedAndFastBatches) {
    through_pgbouncer setup(GetParam());
    auto c = setup.make_client();
    auto other = setup.make_client();
    for (int round = 0; round < 3; ++round) {
        auto jobs = notes(round * 10'000, 3'000);
        std::size_t reported = 0;
        const auto summary = c.insert_many(generate_from(jobs), [&](std::size_t, const insert_result&) { ++reported; });
        EXPECT_EQ(summary.inserted, 3'000u);
        EXPECT_EQ(reported, 3'000u);
        auto fast = notes(round * 10'000 + 5'000, 2'000);
        auto unique_jobs = notes(0, 2, unique_by_args());
        fast.insert(fast.end(), unique_jobs.begin(), unique_jobs.end());
        EXPECT_EQ(other.insert_many_fast(fast), round == 0 ? 2'002u : 2'000u);
        auto streamed_fast = notes(round * 10'000 + 8'000, 1'500);
        EXPECT_EQ(c.insert_many_fast(generate_from(streamed_fast)), 1'500u);
    }
    auto conn = connection::open(setup.bouncer().conninfo());
    transaction tx(conn);
    EXPECT_EQ(c.insert_many_fast_tx(tx.native_handle(), notes(90'000, 100)), 100u);
    tx.commit();
    EXPECT_EQ(setup.job_count(), 3 * (3'000 + 2'000 + 1'500) + 2 + 100);
}

TEST_P(PgBouncerPaths, OldSchemaVersions) {
    for (int version = 2; version <= 5; ++version) {
        SCOPED_TRACE("schema version " + std::to_string(version));
        through_pgbouncer setup(GetParam(), version);
        auto first = setup.make_client();
        auto second = setup.make_client();
        for (int i = 0; i < 6; ++i) {
            (i % 2 == 0 ? first : second).insert(note_args{i});
            const auto dup = (i % 2 == 0 ? second : first).insert(note_args{77}, unique_by_args());
            EXPECT_EQ(dup.unique_skipped_as_duplicated, i > 0);
        }
        first.insert_many(notes(100, 4));
        EXPECT_EQ(setup.job_count(), 6 + 1 + 4);
    }
}

#ifdef RIVERQUEUE_TEST_ASYNC
// The asynchronous client pipelines its statements; through PgBouncer each
// segment is one Sync, unnamed when prepared statements are off.
TEST_P(PgBouncerPaths, AsynchronousClient) {
    namespace asio = boost::asio;
    through_pgbouncer setup(GetParam());
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });
    {
        async_client c(io.get_executor(), setup.options(2));
        std::vector<std::future<insert_result>> singles;
        for (int i = 0; i < 40; ++i) singles.push_back(c.insert(note_args{i}, insert_opts{}, asio::use_future));
        for (int i = 0; i < 10; ++i) singles.push_back(c.insert(note_args{5}, unique_by_args(), asio::use_future));
        int duplicates = 0;
        for (auto& single : singles) duplicates += single.get().unique_skipped_as_duplicated ? 1 : 0;
        EXPECT_EQ(duplicates, 9);
        EXPECT_EQ(c.insert_many(notes(1000, 50), asio::use_future).get().size(), 50u);
        async_transaction tx = c.begin(asio::use_future).get();
        tx.insert(note_args{2000}, insert_opts{}, asio::use_future).get();
        tx.insert_many(notes(3000, 5), asio::use_future).get();
        tx.commit(asio::use_future).get();
    }
    work.reset();
    runner.join();
    EXPECT_EQ(setup.job_count(), 40 + 1 + 50 + 1 + 5);
}
#endif

INSTANTIATE_TEST_SUITE_P(PoolModes, PgBouncerPaths, ::testing::Values("transaction", "session"),
                         [](const ::testing::TestParamInfo<std::string>& mode) { return mode.param; });

// Left at its default (prepared statements) in transaction pooling, the
// client fails with an error that says what to set, and never runs another
// statement under a shared name: names are derived from the text.
TEST(PgBouncerTransactionPooling, PreparedStatementsFailWithAdvice) {
    through_pgbouncer setup("transaction", std::nullopt, 1);
    client_options options = setup.options();
    options.prepared_statements = true;
    client first(options);
    client second(options);
    first.insert(note_args{1});  // prepared on the one server connection
    try {
        second.insert(note_args{2});  // prepares again there
        FAIL() << "expected a database_error";
    } catch (const database_error& e) {
        EXPECT_TRUE(e.sqlstate() == "42P05" || e.sqlstate() == "26000") << e.what();
        EXPECT_NE(std::string(e.what()).find("prepared_statements = false"), std::string::npos) << e.what();
        EXPECT_NE(e.hint().find("PgBouncer"), std::string::npos);
    }
    EXPECT_EQ(setup.job_count(), 1);
}

// Statement pooling refuses transactions. What the client sends as one
// self-committing statement works (insert, unique or not, and insert_many
// from a span); what needs a transaction (streamed batches, COPY) fails as a
// whole, nothing half written.
TEST(PgBouncerStatementPooling, OneStatementPathsOnly) {
    through_pgbouncer setup("statement");
    client c(setup.options());
    c.insert(note_args{1});
    c.insert(note_args{2}, unique_by_args());
    EXPECT_TRUE(c.insert(note_args{2}, unique_by_args()).unique_skipped_as_duplicated);
    auto batch = notes(10, 3);
    batch.push_back(make_insert_many_params(note_args{2}, unique_by_args()));
    EXPECT_EQ(c.insert_many(batch).size(), 4u);
    EXPECT_EQ(setup.job_count(), 5);
    auto streamed = notes(100, 6'000);
    EXPECT_THROW(c.insert_many(generate_from(streamed), {}), error);
    EXPECT_THROW(c.insert_many_fast(notes(200, 10)), error);
    EXPECT_EQ(setup.job_count(), 5);
}

#ifdef RIVERQUEUE_CLI_PATH
// A new user's first steps behind PgBouncer in transaction pooling: 100
// consecutive `riverqueue insert` runs, each a new client connection landing
// on server connections the previous runs used. No flag is needed.
TEST(PgBouncerTransactionPooling, HundredConsecutiveCliInserts) {
    through_pgbouncer setup("transaction");
    const std::vector<std::string> connection_flags = {"--database-url", setup.bouncer().url(), "--schema",
                                                       setup.schema()};
    int duplicates = 0;
    for (int i = 0; i < 100; ++i) {
        const bool unique = i % 2 == 1;
        // Unique runs cycle through five args values: the first five are new.
        std::vector<std::string> args = {"insert"};
        args.insert(args.end(), connection_flags.begin(), connection_flags.end());
        args.insert(args.end(), {"--kind", "cli_note", "--args",
                                 unique ? R"({"u":)" + std::to_string(i % 10) + "}" : R"({"n":)" + std::to_string(i) + "}"});
        if (unique) args.push_back("--unique-by-args");
        const auto result = testing::run_cli(args);
        ASSERT_EQ(result.status, 0) << "run " << i << ": " << result.err;
        if (result.out.find(R"("unique_skipped_as_duplicated":true)") != std::string::npos) ++duplicates;
    }
    EXPECT_EQ(duplicates, 50 - 5);
    EXPECT_EQ(setup.job_count(), 50 + 5);
    for (const char* fast : {"", "--fast"}) {
        std::vector<std::string> args = {"insert-many", "-"};
        args.insert(args.end(), connection_flags.begin(), connection_flags.end());
        if (*fast != '\0') args.push_back(fast);
        const auto result = testing::run_cli(args, "{\"kind\":\"cli_note\",\"args\":{}}\n{\"kind\":\"cli_note\",\"args\":{\"u\":1},\"unique_opts\":{\"by_args\":true}}\n");
        EXPECT_EQ(result.status, 0) << result.err;
    }
    EXPECT_EQ(setup.job_count(), 55 + 2);
}
#endif

}  // namespace
}  // namespace riverqueue::deploy
