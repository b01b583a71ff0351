// Insert middleware on the asynchronous client's insert paths against
// PostgreSQL: stamped rows on every path, scopes ended before the caller's
// handler runs, and a middleware throwing midway leaving no row.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>

#include "async_test_support.hpp"
#include "support/recording_middleware.hpp"

namespace riverqueue::testing {
namespace {

using asio::awaitable;
using asio::use_awaitable;

std::vector<insert_many_params> notes(int count) {
    std::vector<insert_many_params> jobs;
    for (int i = 0; i < count; ++i) jobs.push_back(make_insert_many_params(note_args{i}));
    return jobs;
}

job_generator generating(std::vector<insert_many_params> jobs) {
    return [jobs = std::move(jobs), i = std::size_t{0}]() mutable -> std::optional<insert_many_params> {
        if (i == jobs.size()) return std::nullopt;
        return jobs[i++];
    };
}

class async_middleware_test : public async_test {
protected:
    // Runs `body` as a coroutine on a client with `middleware` to its end;
    // its exception, if any, fails the test.
    void run(const std::vector<std::shared_ptr<job_insert_middleware>>& middleware,
             const std::function<awaitable<void>(async_client&)>& body, const std::string& schema = {}) {
        asio::io_context io;
        auto opts = options(2);
        if (!schema.empty()) opts.schema = schema;
        opts.insert_middleware = middleware;
        async_client client(io.get_executor(), opts);
        bool done = false;
        asio::co_spawn(io, body(client), [&](std::exception_ptr error) {
            EXPECT_FALSE(error) << describe(error);
            done = true;
        });
        ASSERT_TRUE(run_until(io, [&] { return done; }));
    }

    long stamped(const std::string& value, const std::string& in_table = {}) {
        return std::stol(query("SELECT count(*) FROM " + (in_table.empty() ? table("river_job") : in_table) +
                               " WHERE metadata->>'request_id' = '" + value + "' AND tags = '{async}'"));
    }
};

TEST_F(async_middleware_test, EveryAsyncPathWritesWhatTheMiddlewareStamped) {
    auto log = std::make_shared<middleware_log>();
    auto stamping = std::make_shared<recording_middleware>("request_id", log);
    stamping->tag = "async";
    run({stamping}, [&](async_client& client) -> awaitable<void> {
        stamping->stamp = "insert";
        co_await client.insert(note_args{1}, {}, use_awaitable);
        // The scope ended before the caller resumed: it brackets the database call.
        EXPECT_EQ(log->entries().back(), "done request_id jobs=1");
        stamping->stamp = "insert_many";
        co_await client.insert_many(notes(3), use_awaitable);
        stamping->stamp = "streamed";
        co_await client.insert_many(generating(notes(3)), {}, use_awaitable);
        stamping->stamp = "fast";
        co_await client.insert_many_fast(notes(3), use_awaitable);
        async_transaction tx = co_await client.begin(use_awaitable);
        stamping->stamp = "tx_insert";
        co_await tx.insert(note_args{2}, {}, use_awaitable);
        EXPECT_EQ(log->entries().back(), "done request_id jobs=1");
        stamping->stamp = "tx_insert_many";
        co_await tx.insert_many(notes(3), use_awaitable);
        stamping->stamp = "tx_streamed";
        co_await tx.insert_many(generating(notes(3)), {}, use_awaitable);
        co_await tx.commit(use_awaitable);
    });
    EXPECT_EQ(stamped("insert"), 1);
    EXPECT_EQ(stamped("insert_many"), 3);
    EXPECT_EQ(stamped("streamed"), 3);
    EXPECT_EQ(stamped("fast"), 3);
    EXPECT_EQ(stamped("tx_insert"), 1);
    EXPECT_EQ(stamped("tx_insert_many"), 3);
    EXPECT_EQ(stamped("tx_streamed"), 3);
    EXPECT_EQ(job_count(), 17);
    const auto entries = log->entries();
    EXPECT_NE(std::find(entries.begin(), entries.end(), "begin request_id jobs=3 tx"), entries.end());
    EXPECT_NE(std::find(entries.begin(), entries.end(), "begin request_id jobs=? tx"), entries.end());
}

// River 0.11's schemas: at version 4 unique jobs take the advisory lock
// path, at 5 the unique_key fast path; batches and streamed batches run as
// the core's legacy operations.
TEST_F(async_middleware_test, OldSchemaVersionsGetTheMiddlewaresChangesToo) {
    for (int version : {4, 5}) {
        SCOPED_TRACE(version);
        scratch_schema legacy;
        migrator(legacy.name()).migrate_up(admin_, version);
        auto log = std::make_shared<middleware_log>();
        auto stamping = std::make_shared<recording_middleware>("request_id", log);
        stamping->stamp = "legacy";
        stamping->tag = "async";
        run(
            {stamping},
            [&](async_client& client) -> awaitable<void> {
                insert_opts unique;
                unique.unique = unique_opts{.by_args = unique_by_args_all{}};
                co_await client.insert(note_args{1}, {}, use_awaitable);
                co_await client.insert(note_args{2}, unique, use_awaitable);
                co_await client.insert_many(notes(2), use_awaitable);
                co_await client.insert_many(generating(notes(2)), {}, use_awaitable);
                async_transaction tx = co_await client.begin(use_awaitable);
                co_await tx.insert_many(notes(2), use_awaitable);
                co_await tx.commit(use_awaitable);
            },
            legacy.name());
        EXPECT_EQ(stamped("legacy", "\"" + legacy.name() + "\".river_job"), 8);
    }
}

TEST_F(async_middleware_test, ScopesEndInReverseOrderBeforeTheHandler) {
    auto log = std::make_shared<middleware_log>();
    auto a = std::make_shared<recording_middleware>("a", log);
    auto b = std::make_shared<recording_middleware>("b", log);
    run({a, b}, [&](async_client& client) -> awaitable<void> {
        co_await client.insert_many(notes(2), use_awaitable);
        log->add("handler");
    });
    EXPECT_EQ(log->entries(), (std::vector<std::string>{"begin a jobs=2", "begin b jobs=2", "job a 0", "job b 0",
                                                        "job a 1", "job b 1", "done b jobs=2", "done a jobs=2",
                                                        "handler"}));
}

TEST_F(async_middleware_test, AMiddlewareThrowingMidBatchLeavesNoRowOnAnyAsyncPath) {
    auto log = std::make_shared<middleware_log>();
    auto failing = std::make_shared<recording_middleware>("failing", log);
    failing->fail_at = 1;
    run({failing}, [&](async_client& client) -> awaitable<void> {
        auto refused = [&](auto operation) -> awaitable<bool> {
            try {
                co_await operation();
            } catch (const middleware_refused&) {
                co_return true;
            }
            co_return false;
        };
        // The spans' jobs must outlive the operations, which may start only when awaited.
        const auto three = notes(3);
        EXPECT_TRUE(co_await refused([&] { return client.insert_many(three, use_awaitable); }));
        EXPECT_TRUE(co_await refused([&] { return client.insert_many(generating(notes(3)), {}, use_awaitable); }));
        EXPECT_TRUE(co_await refused([&] { return client.insert_many_fast(notes(3), use_awaitable); }));
        failing->fail_at = 0;
        EXPECT_TRUE(co_await refused([&] { return client.insert(note_args{1}, {}, use_awaitable); }));
        failing->fail_at = 1;
        async_transaction tx = co_await client.begin(use_awaitable);
        EXPECT_TRUE(co_await refused([&] { return tx.insert_many(three, use_awaitable); }));
        EXPECT_TRUE(co_await refused([&] { return tx.insert_many(generating(notes(3)), {}, use_awaitable); }));
        // The caller's transaction is still usable, and nothing of the batches is in it.
        co_await tx.commit(use_awaitable);
    });
    EXPECT_EQ(job_count(), 0);
    EXPECT_NE(log->entries().back().find("error=failing refused job 1"), std::string::npos);
}

}  // namespace
}  // namespace riverqueue::testing
