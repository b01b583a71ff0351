// Insert middleware on every insert path of the client against PostgreSQL:
// what it stamps is in the rows, what it changes is what the unique key sees,
// and a middleware that throws midway leaves no row, whichever the path.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>

#include "client_test_support.hpp"
#include "support/recording_middleware.hpp"

namespace riverqueue::testing {
namespace {

using namespace std::chrono_literals;

// One way into the table. `run` inserts `jobs` (the single forms one at a
// time) on the client, or in the caller's transaction `tx` when in_tx.
struct insert_path {
    std::string name;
    bool in_tx = false;
    bool single = false;
    bool jobs_known = true;  // the middleware is told the count in advance
    std::function<void(client&, connection& tx, std::span<const insert_many_params>)> run;
};

std::vector<insert_path> every_path() {
    auto generator = [](std::span<const insert_many_params> jobs) {
        return [jobs, i = std::size_t{0}]() mutable -> std::optional<insert_many_params> {
            if (i == jobs.size()) return std::nullopt;
            return jobs[i++];
        };
    };
    return {
        {"insert", false, true, true,
         [](client& c, connection&, std::span<const insert_many_params> jobs) {
             for (const auto& job : jobs) c.insert(job.args, job.opts);
         }},
        {"insert_tx", true, true, true,
         [](client& c, connection& tx, std::span<const insert_many_params> jobs) {
             for (const auto& job : jobs) c.insert_tx(tx, job.args, job.opts);
         }},
        {"insert_many", false, false, true,
         [](client& c, connection&, std::span<const insert_many_params> jobs) { c.insert_many(jobs); }},
        {"insert_many_tx", true, false, true,
         [](client& c, connection& tx, std::span<const insert_many_params> jobs) { c.insert_many_tx(tx, jobs); }},
        {"insert_many_streamed", false, false, false,
         [generator](client& c, connection&, std::span<const insert_many_params> jobs) {
             c.insert_many(generator(jobs), {});
         }},
        {"insert_many_streamed_tx", true, false, false,
         [generator](client& c, connection& tx, std::span<const insert_many_params> jobs) {
             c.insert_many_tx(tx, generator(jobs), {});
         }},
        {"insert_many_fast", false, false, true,
         [](client& c, connection&, std::span<const insert_many_params> jobs) { c.insert_many_fast(jobs); }},
        {"insert_many_fast_streamed", false, false, false,
         [generator](client& c, connection&, std::span<const insert_many_params> jobs) {
             c.insert_many_fast(generator(jobs));
         }},
        {"insert_many_fast_tx", true, false, true,
         [](client& c, connection& tx, std::span<const insert_many_params> jobs) { c.insert_many_fast_tx(tx, jobs); }},
        {"insert_many_fast_streamed_tx", true, false, false,
         [generator](client& c, connection& tx, std::span<const insert_many_params> jobs) {
             c.insert_many_fast_tx(tx, generator(jobs));
         }},
        {"insert_many_error_code", false, false, true,
         [](client& c, connection&, std::span<const insert_many_params> jobs) {
             std::error_code ec;
             diagnostics diag;
             c.insert_many(jobs, ec, diag);
             if (ec) throw middleware_refused(diag.message);
         }},
    };
}

std::vector<insert_many_params> jobs_of(int count, insert_opts opts = {}) {
    std::vector<insert_many_params> jobs;
    for (int i = 0; i < count; ++i) jobs.push_back({dynamic_args{"email", R"({"n":)" + std::to_string(i) + "}"}, opts});
    return jobs;
}

class client_middleware_test : public client_test {
protected:
    client make_client_with(std::vector<std::shared_ptr<job_insert_middleware>> middleware) {
        client_options options;
        options.conninfo = database_url();
        options.schema = schema_.name();
        options.notify_cooldown = 0ms;
        options.insert_middleware = std::move(middleware);
        return client(options);
    }

    // Runs `path` on `c` inside a transaction of the test's when the path
    // takes one, committed whatever the insert did: what the insert left in
    // it is then in the table.
    void run_committing(const insert_path& path, client& c, std::span<const insert_many_params> jobs) {
        auto conn = connection::open(database_url());
        if (!path.in_tx) {
            path.run(c, conn, jobs);
            return;
        }
        transaction tx(conn);
        try {
            path.run(c, conn, jobs);
        } catch (...) {
            tx.commit();
            throw;
        }
        tx.commit();
    }

    long rows_where(const std::string& condition) {
        return std::stol(scalar("SELECT count(*) FROM " + table("river_job") + " WHERE " + condition));
    }

    std::string error_of(const std::exception_ptr& error) {
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            return e.what();
        }
    }
};

TEST_F(client_middleware_test, EveryPathWritesWhatTheMiddlewareStamped) {
    auto log = std::make_shared<middleware_log>();
    auto stamping = std::make_shared<recording_middleware>("request_id", log);
    stamping->tag = "stamped";
    auto c = make_client_with({stamping});
    for (const auto& path : every_path()) {
        SCOPED_TRACE(path.name);
        stamping->stamp = path.name;
        insert_opts opts;
        opts.metadata = R"({"caller":"kept"})";
        const auto jobs = jobs_of(3, opts);
        const auto before = log->entries().size();
        run_committing(path, c, jobs);

        EXPECT_EQ(rows_where("metadata->>'request_id' = '" + path.name +
                             "' AND metadata->>'caller' = 'kept' AND tags = '{stamped}'"),
                  3);
        const auto entries = log->entries();
        ASSERT_GT(entries.size(), before);
        const std::string count = path.single ? "1" : (path.jobs_known ? "3" : "?");
        EXPECT_EQ(entries[before], "begin request_id jobs=" + count + (path.in_tx ? " tx" : ""));
        EXPECT_EQ(entries.back(), path.single ? "done request_id jobs=1" : "done request_id jobs=3");
    }
    EXPECT_EQ(job_count(), 3 * static_cast<long>(every_path().size()));
}

TEST_F(client_middleware_test, AMiddlewareThrowingMidBatchLeavesNoRowOnAnyPath) {
    auto log = std::make_shared<middleware_log>();
    auto outer = std::make_shared<recording_middleware>("outer", log);
    auto failing = std::make_shared<recording_middleware>("failing", log);
    auto c = make_client_with({outer, failing});
    for (const auto& path : every_path()) {
        SCOPED_TRACE(path.name);
        // The single forms' second call is the batch's middle.
        failing->fail_at = path.single ? 0 : 1;
        const auto jobs = jobs_of(path.single ? 1 : 3);
        EXPECT_THROW(run_committing(path, c, jobs), middleware_refused);
        EXPECT_EQ(job_count(), 0);
        EXPECT_EQ(log->entries().back().rfind("done outer", 0), 0U);
        EXPECT_NE(log->entries().back().find("error=failing refused job"), std::string::npos);
    }
}

TEST_F(client_middleware_test, AThrowAfterChunksWereSentRollsThemBackOnTheStreamedPaths) {
    auto log = std::make_shared<middleware_log>();
    auto failing = std::make_shared<recording_middleware>("failing", log);
    // The streamed forms send 5000 jobs a chunk: the first chunk is in the
    // transaction when the middleware throws.
    failing->fail_at = 5500;
    auto c = make_client_with({failing});
    const auto jobs = jobs_of(6000);
    for (const auto& path : every_path()) {
        if (path.jobs_known || path.single) continue;
        SCOPED_TRACE(path.name);
        EXPECT_THROW(run_committing(path, c, jobs), middleware_refused);
        EXPECT_EQ(job_count(), 0);
    }
}

TEST_F(client_middleware_test, TheUniqueKeyIsComputedFromTheArgsTheMiddlewareLeft) {
    auto log = std::make_shared<middleware_log>();
    auto collapsing = std::make_shared<recording_middleware>("collapsing", log);
    // Every job's args become the same: unique by args, they are one job.
    collapsing->rewrite = [](insert_many_params& job) { job.args.json = R"({"account":7})"; };
    auto c = make_client_with({collapsing});
    insert_opts opts;
    opts.unique = unique_opts{.by_args = unique_by_args_all{}};
    const auto jobs = jobs_of(3, opts);

    const auto results = c.insert_many(jobs);
    ASSERT_EQ(results.size(), 3U);
    EXPECT_FALSE(results[0].unique_skipped_as_duplicated);
    EXPECT_TRUE(results[1].unique_skipped_as_duplicated);
    EXPECT_TRUE(results[2].unique_skipped_as_duplicated);
    EXPECT_TRUE(c.insert(jobs[0].args, opts).unique_skipped_as_duplicated);
    EXPECT_EQ(c.insert_many_fast(jobs), 0U);
    EXPECT_EQ(job_count(), 1);
    EXPECT_EQ(rows_where(R"(args = '{"account":7}')"), 1);
}

TEST_F(client_middleware_test, AMiddlewareSittingOutLeavesTheJobsAsGiven) {
    struct sitting_out : job_insert_middleware {
        std::unique_ptr<insert_scope> begin_insert(const insert_call&) override { return nullptr; }
    };
    auto c = make_client_with({std::make_shared<sitting_out>()});
    c.insert_many(jobs_of(2));
    EXPECT_EQ(rows_where("metadata = '{}'"), 2);
}

TEST_F(client_middleware_test, TheErrorOfTheInsertItselfReachesTheMiddleware) {
    auto log = std::make_shared<middleware_log>();
    auto watching = std::make_shared<recording_middleware>("watching", log);
    auto c = make_client_with({watching});
    insert_opts bad;
    bad.priority = 9;
    EXPECT_THROW(c.insert(dynamic_args{"email", "{}"}, bad), validation_error);
    EXPECT_EQ(log->entries().back(), "done watching jobs=1 error=priority: must be between 1 and 4");
}

// River 0.11's schemas: at version 4 unique jobs take the advisory lock
// path, at 5 the unique_key fast path.
TEST_F(client_middleware_test, LegacySchemasGetTheMiddlewaresChangesToo) {
    for (int version : {4, 5}) {
        SCOPED_TRACE(version);
        scratch_schema legacy;
        auto admin = connection::open(database_url());
        migrator(legacy.name()).migrate_up(admin, version);
        auto log = std::make_shared<middleware_log>();
        auto stamping = std::make_shared<recording_middleware>("request_id", log);
        stamping->stamp = "legacy";
        client_options options;
        options.conninfo = database_url();
        options.schema = legacy.name();
        options.insert_middleware = {stamping};
        client c(options);
        insert_opts unique;
        unique.unique = unique_opts{.by_args = unique_by_args_all{}};
        c.insert_many(jobs_of(2));
        c.insert(dynamic_args{"email", "{}"}, unique);
        // Of a kind of their own: at version 4 River 0.11 counts any row of
        // the same kind and args as a duplicate, the plain ones above too.
        auto unique_jobs = jobs_of(2, unique);
        for (auto& job : unique_jobs) job.args.kind_name = "unique_email";
        c.insert_many(unique_jobs);
        for (const auto& again : c.insert_many(unique_jobs)) EXPECT_TRUE(again.unique_skipped_as_duplicated);
        c.insert_many_fast(jobs_of(2));
        EXPECT_EQ(testing::scalar(admin.native_handle(), "SELECT count(*) FROM \"" + legacy.name() +
                                                            "\".river_job WHERE metadata->>'request_id' = 'legacy'"),
                  "7");
    }
}

}  // namespace
}  // namespace riverqueue::testing
