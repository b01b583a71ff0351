// The asynchronous client: completion tokens, many coroutines on one
// connection, batches, transactions, notifications, several threads.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <riverqueue/errors.hpp>

#include "core/insert_sql.hpp"
#include "async_test_support.hpp"
#include "support/notification_listener.hpp"

namespace riverqueue::testing {
namespace {

using asio::awaitable;
using asio::use_awaitable;

TEST_F(async_test, InsertsWithUseAwaitable) {
    asio::io_context io;
    async_client client(io.get_executor(), options());
    insert_result result;
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
            insert_opts opts;
            opts.queue = "notes";
            opts.priority = 2;
            result = co_await client.insert(note_args{7}, opts, use_awaitable);
        },
        [&](std::exception_ptr error) {
            EXPECT_FALSE(error) << describe(error);
            done = true;
        });
    ASSERT_TRUE(run_until(io, [&] { return done; }));
    EXPECT_GT(result.job.id, 0);
    EXPECT_EQ(result.job.kind, "note");
    EXPECT_EQ(result.job.args, R"({"n": 7})");
    EXPECT_EQ(result.job.queue, "notes");
    EXPECT_EQ(result.job.priority, 2);
    EXPECT_EQ(result.job.max_attempts, 25);
    EXPECT_FALSE(result.unique_skipped_as_duplicated);
    EXPECT_EQ(query("SELECT queue FROM " + table("river_job") + " WHERE id = " + std::to_string(result.job.id)),
              "notes");
}

TEST_F(async_test, CallbackAndFutureTokens) {
    asio::io_context io;
    async_client client(io.get_executor(), options());
    std::int64_t from_callback = 0;
    client.insert(note_args{1}, {}, [&](std::exception_ptr error, insert_result r) {
        EXPECT_FALSE(error) << describe(error);
        from_callback = r.job.id;
    });
    ASSERT_TRUE(run_until(io, [&] { return from_callback != 0; }));

    // use_future, with the I/O running on another thread.
    auto guard = asio::make_work_guard(io);
    io.restart();
    std::thread runner([&] { io.run(); });
    std::future<insert_result> future = client.insert(note_args{2}, {}, asio::use_future);
    std::future<std::vector<insert_result>> many = client.insert_many(
        std::vector<insert_many_params>{make_insert_many_params(note_args{3}), make_insert_many_params(note_args{4})},
        asio::use_future);
    const insert_result second = future.get();
    const std::vector<insert_result> batch = many.get();
    // An error reaches the future as the exception.
    insert_opts bad;
    bad.queue = "Not A Queue";
    std::future<insert_result> failing = client.insert(note_args{5}, bad, asio::use_future);
    EXPECT_THROW(failing.get(), validation_error);
    guard.reset();
    io.stop();
    runner.join();

    EXPECT_GT(second.job.id, from_callback);
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[0].job.args, R"({"n": 3})");
    EXPECT_EQ(batch[1].job.args, R"({"n": 4})");
    EXPECT_EQ(job_count(), 4);
}

// Args large enough for the server to leave them out of its answer
// (core/insert_sql.hpp) come back as stored through the pipeline.
TEST_F(async_test, LargeArgsComeBackAsStored) {
    asio::io_context io;
    async_client client(io.get_executor(), options());
    const std::string args = R"({"blob":")" + std::string(core::returned_args_digest_bytes, 'x') +
                             R"(\u00e9","n":[1.50e1,-0],"a":{"z":1,"b":2}})";
    std::optional<insert_result> alone;
    client.insert(dynamic_args{"big", args, {}}, {}, [&](std::exception_ptr error, insert_result r) {
        EXPECT_FALSE(error) << describe(error);
        alone = std::move(r);
    });
    ASSERT_TRUE(run_until(io, [&] { return alone.has_value(); }));
    EXPECT_EQ(alone->job.args,
              query("SELECT args::text FROM " + table("river_job") + " WHERE id = " + std::to_string(alone->job.id)));
    EXPECT_EQ(alone->job.args.substr(0, 40), R"({"a": {"b": 2, "z": 1}, "n": [15.0, 0], )");
}

// A handler runs on its associated executor (here a strand of another
// io_context, which counts as busy until then), never inside the call that
// started the operation, even when that call already knows the outcome.
TEST_F(async_test, HandlersRunOnTheirOwnExecutorAndNeverInsideTheCall) {
    asio::io_context io;
    asio::io_context elsewhere;
    auto strand = asio::make_strand(elsewhere);
    async_client client(io.get_executor(), options());

    std::atomic<int> on_strand{0};
    std::atomic<int> off_strand{0};
    const auto count = [&] { (strand.running_in_this_thread() ? on_strand : off_strand)++; };
    bool inside_call = true;
    insert_opts bad;
    bad.queue = "Not A Queue";
    client.insert(note_args{1}, bad, [&](std::exception_ptr error, insert_result) {
        EXPECT_FALSE(inside_call);
        EXPECT_TRUE(error);
    });
    inside_call = false;
    client.insert(note_args{2}, {}, asio::bind_executor(strand, [&](std::exception_ptr error, insert_result r) {
                      EXPECT_FALSE(error) << describe(error);
                      EXPECT_GT(r.job.id, 0);
                      count();
                  }));
    client.insert(note_args{3}, bad, asio::bind_executor(strand, [&](std::exception_ptr error, insert_result) {
                      EXPECT_TRUE(error);
                      count();
                  }));
    // `elsewhere` has nothing of its own to do: its run() returns only after
    // both handlers ran there, because the operations keep it busy.
    std::thread runner([&] { elsewhere.run(); });
    io.run();
    runner.join();
    EXPECT_EQ(on_strand.load(), 2);
    EXPECT_EQ(off_strand.load(), 0);
    EXPECT_EQ(job_count(), 1);
}

TEST_F(async_test, ManyCoroutinesShareOneConnection) {
    asio::io_context io;
    async_client client(io.get_executor(), options(1));
    constexpr int coroutines = 200;
    std::vector<std::int64_t> ids(coroutines, 0);
    int finished = 0;
    for (int i = 0; i < coroutines; ++i) {
        asio::co_spawn(
            io,
            [&, i]() -> awaitable<void> {
                const insert_result r = co_await client.insert(note_args{i}, {}, use_awaitable);
                EXPECT_EQ(r.job.args, R"({"n": )" + std::to_string(i) + "}");
                ids[static_cast<std::size_t>(i)] = r.job.id;
            },
            [&](std::exception_ptr error) {
                EXPECT_FALSE(error) << describe(error);
                ++finished;
            });
    }
    ASSERT_TRUE(run_until(io, [&] { return finished == coroutines; }));
    EXPECT_EQ(std::set<std::int64_t>(ids.begin(), ids.end()).size(), static_cast<std::size_t>(coroutines));
    EXPECT_EQ(job_count(), coroutines);
    // Every insert went through the client's single connection.
    EXPECT_EQ(query("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + application_name() + "'"),
              "1");
}

TEST_F(async_test, PoolSizeBoundsTheConnections) {
    asio::io_context io;
    async_client client(io.get_executor(), options(3));
    constexpr int coroutines = 300;
    int finished = 0;
    for (int i = 0; i < coroutines; ++i) {
        client.insert(note_args{i}, {}, [&](std::exception_ptr error, insert_result) {
            EXPECT_FALSE(error) << describe(error);
            ++finished;
        });
    }
    ASSERT_TRUE(run_until(io, [&] { return finished == coroutines; }));
    EXPECT_EQ(job_count(), coroutines);
    EXPECT_EQ(query("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + application_name() + "'"),
              "3");
}

TEST_F(async_test, ConcurrentUniqueInsertsAgreeOnOneRow) {
    asio::io_context io;
    async_client client(io.get_executor(), options(2));
    insert_opts opts;
    opts.unique = unique_opts{.by_args = unique_by_args_all{}};
    std::vector<insert_result> results;
    for (int i = 0; i < 50; ++i) {
        client.insert(note_args{42}, opts, [&](std::exception_ptr error, insert_result r) {
            EXPECT_FALSE(error) << describe(error);
            results.push_back(std::move(r));
        });
    }
    ASSERT_TRUE(run_until(io, [&] { return results.size() == 50; }));
    int fresh = 0;
    for (const auto& r : results) {
        fresh += r.unique_skipped_as_duplicated ? 0 : 1;
        EXPECT_EQ(r.job.id, results.front().job.id);
    }
    EXPECT_EQ(fresh, 1);
    EXPECT_EQ(job_count(), 1);
}

TEST_F(async_test, InsertManyKeepsOrderAndValidatesFirst) {
    asio::io_context io;
    async_client client(io.get_executor(), options());
    std::vector<insert_many_params> jobs;
    for (int i = 0; i < 20; ++i) jobs.push_back(make_insert_many_params(note_args{i}));
    std::vector<insert_result> rows;
    std::exception_ptr failure;
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
            rows = co_await client.insert_many(jobs, use_awaitable);
            std::vector<insert_many_params> bad = jobs;
            bad[3].opts.priority = 9;
            try {
                co_await client.insert_many(bad, use_awaitable);
            } catch (const validation_error&) {
                failure = std::current_exception();
            }
        },
        [&](std::exception_ptr error) {
            EXPECT_FALSE(error) << describe(error);
            done = true;
        });
    ASSERT_TRUE(run_until(io, [&] { return done; }));
    ASSERT_EQ(rows.size(), 20u);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(rows[static_cast<std::size_t>(i)].job.args, R"({"n": )" + std::to_string(i) + "}");
    ASSERT_TRUE(failure);
    try {
        std::rethrow_exception(failure);
    } catch (const validation_error& e) {
        EXPECT_EQ(e.field(), "jobs[3].priority");
    }
    EXPECT_EQ(job_count(), 20);
}

TEST_F(async_test, InsertManyFastRunsOffTheIoThread) {
    asio::io_context io;
    async_client client(io.get_executor(), options());
    std::vector<insert_many_params> jobs;
    for (int i = 0; i < 500; ++i) jobs.push_back(make_insert_many_params(note_args{i}));
    std::size_t inserted = 0;
    bool done = false;
    client.insert_many_fast(std::move(jobs), [&](std::exception_ptr error, std::size_t n) {
        EXPECT_FALSE(error) << describe(error);
        inserted = n;
        done = true;
    });
    ASSERT_TRUE(run_until(io, [&] { return done; }));
    EXPECT_EQ(inserted, 500u);
    EXPECT_EQ(job_count(), 500);
}

TEST_F(async_test, TransactionsCommitAndRollBack) {
    asio::io_context io;
    async_client client(io.get_executor(), options());
    bool done = false;
    std::int64_t committed_id = 0;
    long seen_inside = -1;
    bool rejected = false;
    bool aborted = false;
    bool commit_refused = false;
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
            async_transaction tx = co_await client.begin(use_awaitable);
            const insert_result r = co_await tx.insert(note_args{1}, {}, use_awaitable);
            std::vector<insert_many_params> batch;  // (no braced list across co_await: GCC 12)
            batch.push_back(make_insert_many_params(note_args{2}));
            co_await tx.insert_many(batch, use_awaitable);
            seen_inside = job_count();  // not visible outside the transaction yet
            co_await tx.commit(use_awaitable);
            committed_id = r.job.id;

            async_transaction rolled = co_await client.begin(use_awaitable);
            co_await rolled.insert(note_args{3}, {}, use_awaitable);
            co_await rolled.execute(std::string("SELECT 1"), use_awaitable);
            co_await rolled.rollback(use_awaitable);

            // A failed statement aborts the transaction, as in PostgreSQL.
            async_transaction failed = co_await client.begin(use_awaitable);
            try {
                co_await failed.execute(std::string("SELECT 1/0"), use_awaitable);
            } catch (const database_error& e) {
                rejected = e.sqlstate() == "22012";
            }
            try {
                co_await failed.insert(note_args{4}, {}, use_awaitable);
            } catch (const database_error& e) {
                aborted = e.sqlstate() == "25P02";
            }
            co_await failed.rollback(use_awaitable);

            // COMMIT of an aborted transaction, which PostgreSQL answers with a
            // ROLLBACK tag and no error, fails: its insert is lost.
            async_transaction lost = co_await client.begin(use_awaitable);
            co_await lost.insert(note_args{7}, {}, use_awaitable);
            try {
                co_await lost.execute(std::string("SELECT 1/0"), use_awaitable);
            } catch (const database_error&) {
            }
            try {
                co_await lost.commit(use_awaitable);
            } catch (const database_error& e) {
                commit_refused = e.sqlstate() == "25P02";
            }

            // A transaction dropped without commit is rolled back.
            {
                async_transaction dropped = co_await client.begin(use_awaitable);
                co_await dropped.insert(note_args{5}, {}, use_awaitable);
            }
            // Transactions do not block the client's own inserts.
            co_await client.insert(note_args{6}, {}, use_awaitable);
        },
        [&](std::exception_ptr error) {
            EXPECT_FALSE(error) << describe(error);
            done = true;
        });
    ASSERT_TRUE(run_until(io, [&] { return done; }));
    EXPECT_EQ(seen_inside, 0);
    EXPECT_TRUE(rejected);
    EXPECT_TRUE(aborted);
    EXPECT_TRUE(commit_refused);
    EXPECT_GT(committed_id, 0);
    EXPECT_EQ(query("SELECT string_agg(args->>'n', ',' ORDER BY id) FROM " + table("river_job")), "1,2,6");
}

TEST_F(async_test, InsertsNotifyRiver) {
    notification_listener listener(schema_.name() + ".river_insert");
    asio::io_context io;
    async_client client(io.get_executor(), options());
    int finished = 0;
    insert_opts later;
    later.scheduled_at = riverqueue::now() + std::chrono::hours(1);
    client.insert(note_args{1}, later, [&](std::exception_ptr error, insert_result) {
        EXPECT_FALSE(error) << describe(error);
        ++finished;
    });
    ASSERT_TRUE(run_until(io, [&] { return finished == 1; }));
    insert_opts in_queue;
    in_queue.queue = "mail";
    client.insert(note_args{2}, in_queue, [&](std::exception_ptr error, insert_result) {
        EXPECT_FALSE(error) << describe(error);
        ++finished;
    });
    ASSERT_TRUE(run_until(io, [&] { return finished == 2; }));
    // Only the available job's queue is notified (the scheduled one is not).
    const auto received = listener.drain(std::chrono::milliseconds(500));
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0].second, R"({"queue": "mail"})");
}

TEST_F(async_test, ThreadsShareOneClientConcurrent) {
    asio::io_context io;
    async_client client(io.get_executor(), options(2));
    auto guard = asio::make_work_guard(io);
    std::vector<std::thread> runners;
    for (int i = 0; i < 3; ++i) runners.emplace_back([&] { io.run(); });
    constexpr int producers = 4;
    constexpr int each = 50;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < producers; ++t) {
        threads.emplace_back([&, t] {
            std::vector<std::future<insert_result>> futures;
            for (int i = 0; i < each; ++i) futures.push_back(client.insert(note_args{t * each + i}, {}, asio::use_future));
            for (auto& f : futures) {
                try {
                    if (f.get().job.id <= 0) ++failures;
                } catch (...) {
                    ++failures;
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    // Coroutines on a strand, completing on it, while the threads ran.
    auto strand = asio::make_strand(io);
    std::promise<void> coroutines_done;
    asio::co_spawn(
        strand,
        [&]() -> awaitable<void> {
            for (int i = 0; i < 20; ++i) co_await client.insert(note_args{1000 + i}, {}, use_awaitable);
        },
        [&](std::exception_ptr error) {
            if (error) ++failures;
            coroutines_done.set_value();
        });
    coroutines_done.get_future().get();
    guard.reset();
    io.stop();
    for (auto& r : runners) r.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(job_count(), producers * each + 20);
}

}  // namespace
}  // namespace riverqueue::testing
