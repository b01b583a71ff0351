// The asynchronous client running the core's operations: River schemas at
// versions 2 to 5 (as the blocking client inserts into them, River 0.11's
// way), and the streamed insert_many, on the client and in a transaction.
#include <gtest/gtest.h>

#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>

#include "async_test_support.hpp"

namespace riverqueue::testing {
namespace {

using namespace std::chrono_literals;
using asio::awaitable;
using asio::use_awaitable;

insert_opts unique_in(std::vector<job_state> states) {
    insert_opts opts;
    opts.unique = unique_opts{.by_args = unique_by_args_all{}, .by_state = std::move(states)};
    return opts;
}

// Not River's default state set: the advisory lock path on every old version.
insert_opts advisory_unique() {
    return unique_in({job_state::available, job_state::pending, job_state::running, job_state::scheduled});
}

// River's default state set: the unique_key fast path at version 5.
insert_opts default_unique() {
    insert_opts opts;
    opts.unique = unique_opts{.by_args = unique_by_args_all{}};
    return opts;
}

struct test_io {
    asio::io_context context;
};

// Runs `body` as a coroutine on the io_context and waits for it; rethrows
// what it threw.
template <typename Body>
void run_coroutine(test_io& io, Body body) {
    std::exception_ptr failure;
    bool done = false;
    asio::co_spawn(io.context, body, [&](std::exception_ptr error) {
        failure = error;
        done = true;
    });
    ASSERT_TRUE(run_until(io.context, [&] { return done; }));
    if (failure) std::rethrow_exception(failure);
}

class async_operations_test : public ::testing::Test {
protected:
    client_options options_for(const scratch_schema& schema) {
        client_options options;
        options.conninfo = database_url();
        options.schema = schema.name();
        options.notify_cooldown = 0ms;
        options.pool_size = 2;
        return options;
    }
    std::string scalar(const std::string& sql) { return testing::scalar(admin_.native_handle(), sql); }
    long job_count(const scratch_schema& schema) {
        return std::stol(scalar("SELECT count(*) FROM \"" + schema.name() + "\".river_job"));
    }

    connection admin_ = connection::open(database_url());
};

TEST_F(async_operations_test, EveryInsertFormWorksOnEveryOldSchemaVersion) {
    for (int version = 2; version <= 5; ++version) {
        SCOPED_TRACE(version);
        scratch_schema schema;
        migrator(schema.name()).migrate_up(admin_, version);
        test_io io;
        async_client client(io.context.get_executor(), options_for(schema));
        insert_result plain, first, again, fast_first, fast_again, in_tx;
        std::vector<insert_result> batch;
        insert_many_summary streamed, streamed_in_tx;
        std::vector<std::size_t> indexes;
        run_coroutine(io, [&]() -> awaitable<void> {
            plain = co_await client.insert(note_args{1}, {}, use_awaitable);
            const insert_opts advisory = advisory_unique();
            first = co_await client.insert(note_args{2}, advisory, use_awaitable);
            again = co_await client.insert(note_args{2}, advisory, use_awaitable);
            const insert_opts by_default = default_unique();
            fast_first = co_await client.insert(note_args{3}, by_default, use_awaitable);
            fast_again = co_await client.insert(note_args{3}, by_default, use_awaitable);

            // A batch with a job repeated (unique) and one already in the table.
            std::vector<insert_many_params> jobs;
            jobs.push_back(make_insert_many_params(note_args{4}, advisory));
            jobs.push_back(make_insert_many_params(note_args{5}));
            jobs.push_back(make_insert_many_params(note_args{4}, advisory));
            jobs.push_back(make_insert_many_params(note_args{2}, advisory));
            batch = co_await client.insert_many(jobs, use_awaitable);

            // Streamed: 2500 jobs (several legacy chunks), every tenth unique by n % 7.
            int n = 0;
            job_generator next = [&n, advisory]() -> std::optional<insert_many_params> {
                if (n == 2500) return std::nullopt;
                ++n;
                if (n % 10 == 0) return make_insert_many_params(note_args{1000 + n % 7}, advisory);
                return make_insert_many_params(note_args{10000 + n});
            };
            insert_result_handler on_result = [&indexes](std::size_t index, const insert_result&) {
                indexes.push_back(index);
            };
            streamed = co_await client.insert_many(next, on_result, use_awaitable);

            async_transaction tx = co_await client.begin(use_awaitable);
            in_tx = co_await tx.insert(note_args{2}, advisory, use_awaitable);  // a duplicate, in a savepoint
            int m = 0;
            job_generator more = [&m]() -> std::optional<insert_many_params> {
                if (m == 3) return std::nullopt;
                return make_insert_many_params(note_args{20000 + m++});
            };
            streamed_in_tx = co_await tx.insert_many(more, {}, use_awaitable);
            co_await tx.commit(use_awaitable);
        });
        EXPECT_FALSE(plain.unique_skipped_as_duplicated);
        EXPECT_EQ(plain.job.args, R"({"n": 1})");
        EXPECT_FALSE(first.unique_skipped_as_duplicated);
        EXPECT_TRUE(again.unique_skipped_as_duplicated);
        EXPECT_EQ(again.job.id, first.job.id);
        EXPECT_FALSE(fast_first.unique_skipped_as_duplicated);
        EXPECT_TRUE(fast_again.unique_skipped_as_duplicated);
        EXPECT_EQ(fast_again.job.id, fast_first.job.id);
        ASSERT_EQ(batch.size(), 4u);
        EXPECT_FALSE(batch[0].unique_skipped_as_duplicated);
        EXPECT_FALSE(batch[1].unique_skipped_as_duplicated);
        EXPECT_TRUE(batch[2].unique_skipped_as_duplicated);
        EXPECT_EQ(batch[2].job.id, batch[0].job.id);
        EXPECT_TRUE(batch[3].unique_skipped_as_duplicated);
        EXPECT_EQ(batch[3].job.id, first.job.id);
        EXPECT_EQ(streamed.jobs, 2500u);
        EXPECT_EQ(streamed.inserted, 2250u + 7u);
        EXPECT_EQ(streamed.duplicates, 250u - 7u);
        ASSERT_EQ(indexes.size(), 2500u);
        for (std::size_t i = 0; i < indexes.size(); ++i) ASSERT_EQ(indexes[i], i);
        EXPECT_TRUE(in_tx.unique_skipped_as_duplicated);
        EXPECT_EQ(in_tx.job.id, first.job.id);
        EXPECT_EQ(streamed_in_tx.inserted, 3u);
        // 1, 2, 3, 4, 5, the streamed rows, the three in the transaction.
        EXPECT_EQ(job_count(schema), 5 + 2257 + 3);
    }
}

TEST_F(async_operations_test, AJobAnOldSchemaCannotStoreIsRefusedBeforeAnythingIsSent) {
    scratch_schema schema;
    migrator(schema.name()).migrate_up(admin_, 3);
    test_io io;
    async_client client(io.context.get_executor(), options_for(schema));
    insert_opts pending;
    pending.pending = true;
    EXPECT_THROW(run_coroutine(io,
                               [&]() -> awaitable<void> {
                                   co_await client.insert(note_args{1}, {}, use_awaitable);  // reads the version
                                   co_await client.insert(note_args{2}, pending, use_awaitable);
                               }),
                 validation_error);
    std::vector<insert_many_params> jobs;
    jobs.push_back(make_insert_many_params(note_args{3}));
    jobs.push_back(make_insert_many_params(note_args{4}, pending));
    try {
        run_coroutine(io, [&]() -> awaitable<void> { co_await client.insert_many(jobs, use_awaitable); });
        FAIL() << "expected validation_error";
    } catch (const validation_error& e) {
        EXPECT_TRUE(e.field().starts_with("jobs[1]")) << e.field();
    }
    EXPECT_EQ(job_count(schema), 1);
}

TEST_F(async_operations_test, ConcurrentAdvisoryUniqueInsertsAgreeOnOneRow) {
    scratch_schema schema;
    migrator(schema.name()).migrate_up(admin_, 4);
    test_io io;
    async_client client(io.context.get_executor(), options_for(schema));
    std::atomic<int> fresh{0};
    std::atomic<int> finished{0};
    for (int i = 0; i < 16; ++i) {
        asio::co_spawn(
            io.context,
            [&]() -> awaitable<void> {
                const insert_opts advisory = advisory_unique();
                const insert_result r = co_await client.insert(note_args{42}, advisory, use_awaitable);
                if (!r.unique_skipped_as_duplicated) ++fresh;
            },
            [&](std::exception_ptr error) {
                EXPECT_FALSE(error) << describe(error);
                ++finished;
            });
    }
    ASSERT_TRUE(run_until(io.context, [&] { return finished == 16; }));
    EXPECT_EQ(fresh, 1);
    EXPECT_EQ(job_count(schema), 1);
}

class async_streamed_test : public async_test {};

TEST_F(async_streamed_test, StreamsBeyondOneChunkWithDuplicatesAndKeepsOrder) {
    test_io io;
    async_client client(io.context.get_executor(), options());
    insert_many_summary summary;
    std::vector<std::size_t> indexes;
    std::vector<std::int64_t> ids;
    run_coroutine(io, [&]() -> awaitable<void> {
        int n = 0;
        job_generator next = [&n]() -> std::optional<insert_many_params> {
            if (n == 12000) return std::nullopt;
            ++n;
            if (n % 1000 == 0) return make_insert_many_params(note_args{-1}, default_unique());  // one key
            return make_insert_many_params(note_args{n});
        };
        insert_result_handler on_result = [&](std::size_t index, const insert_result& r) {
            indexes.push_back(index);
            ids.push_back(r.job.id);
        };
        summary = co_await client.insert_many(next, on_result, use_awaitable);
    });
    EXPECT_EQ(summary.jobs, 12000u);
    EXPECT_EQ(summary.inserted, 11989u);
    EXPECT_EQ(summary.duplicates, 11u);
    ASSERT_EQ(indexes.size(), 12000u);
    for (std::size_t i = 0; i < indexes.size(); ++i) ASSERT_EQ(indexes[i], i);
    EXPECT_EQ(ids[999], ids[11999]);  // the repeated key: the first row, across chunks
    EXPECT_EQ(job_count(), 11989);
}

TEST_F(async_streamed_test, AFailingGeneratorLeavesNothingAndTheClientWorksOn) {
    test_io io;
    async_client client(io.context.get_executor(), options());
    int n = 0;
    job_generator next = [&n]() -> std::optional<insert_many_params> {
        if (++n == 7000) throw std::runtime_error("the source failed");
        return make_insert_many_params(note_args{n});
    };
    EXPECT_THROW(run_coroutine(io, [&]() -> awaitable<void> { co_await client.insert_many(next, {}, use_awaitable); }),
                 std::runtime_error);
    EXPECT_EQ(job_count(), 0);
    // A bad job midway: the same, with the job's position named.
    int m = 0;
    job_generator bad = [&m]() -> std::optional<insert_many_params> {
        if (m == 10) return std::nullopt;
        insert_opts opts;
        if (++m == 6) opts.priority = 9;
        return make_insert_many_params(note_args{m}, opts);
    };
    try {
        run_coroutine(io, [&]() -> awaitable<void> { co_await client.insert_many(bad, {}, use_awaitable); });
        FAIL() << "expected validation_error";
    } catch (const validation_error& e) {
        EXPECT_TRUE(e.field().starts_with("jobs[5]")) << e.field();
    }
    EXPECT_EQ(job_count(), 0);
    run_coroutine(io, [&]() -> awaitable<void> { co_await client.insert(note_args{1}, {}, use_awaitable); });
    EXPECT_EQ(job_count(), 1);
}

TEST_F(async_streamed_test, InATransactionItIsTheTransactions) {
    test_io io;
    async_client client(io.context.get_executor(), options());
    long inside = -1;
    run_coroutine(io, [&]() -> awaitable<void> {
        async_transaction tx = co_await client.begin(use_awaitable);
        int n = 0;
        job_generator next = [&n]() -> std::optional<insert_many_params> {
            if (n == 100) return std::nullopt;
            return make_insert_many_params(note_args{n++});
        };
        const insert_many_summary s = co_await tx.insert_many(next, {}, use_awaitable);
        EXPECT_EQ(s.inserted, 100u);
        inside = job_count();
        co_await tx.rollback(use_awaitable);
    });
    EXPECT_EQ(inside, 0);
    EXPECT_EQ(job_count(), 0);
}

}  // namespace
}  // namespace riverqueue::testing
