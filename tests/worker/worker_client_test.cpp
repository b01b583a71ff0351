// The worker runtime against a real PostgreSQL: every outcome written as River
// Go writes it (read back from the row), timeouts, the concurrency limit,
// pause and resume, graceful and cancelling stop.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include <riverqueue/client.hpp>
#include <riverqueue/errors.hpp>
#include <riverqueue/worker_client.hpp>

#include "eventually.hpp"
#include "support/test_database.hpp"

namespace riverqueue::testing {
namespace {

using namespace std::chrono_literals;

struct email_args {
    std::string to;
    static constexpr std::string_view kind() { return "email"; }
    std::string to_json() const { return R"({"to":")" + to + "\"}"; }
    // Enough for these tests' args: {"to":"<address>"}.
    static email_args from_json(std::string_view json) {
        const auto start = json.find("\"to\"");
        if (start == std::string_view::npos) throw error("no to");
        const auto open = json.find('"', json.find(':', start) + 1);
        const auto close = json.find('"', open + 1);
        return email_args{std::string(json.substr(open + 1, close - open - 1))};
    }
};

class worker_client_test : public migrated_schema_test {
protected:
    void SetUp() override {
        migrated_schema_test::SetUp();
        client_options options;
        options.conninfo = database_url();
        options.schema = schema_.name();
        inserter_.emplace(options);
    }

    worker_options options(int max_workers = 4) {
        worker_options o;
        o.conninfo = database_url();
        o.schema = schema_.name();
        o.queues["default"] = queue_options{max_workers};
        o.poll_interval = 20ms;
        o.fetch_cooldown = 1ms;
        o.client_id = "cpp_worker_" + schema_.name();
        return o;
    }

    std::int64_t insert(const std::string& kind, const std::string& args = "{}", insert_opts opts = {}) {
        return inserter_->insert(dynamic_args{kind, args, {}}, opts).job.id;
    }

    std::string column(std::int64_t id, const std::string& expression) {
        return scalar("SELECT (" + expression + ")::text FROM \"" + schema_.name() +
                      "\".river_job WHERE id = " + std::to_string(id));
    }

    // Waits (up to a generous bound, so a hang cannot hide) until `sql` (one
    // boolean) is true.
    ::testing::AssertionResult eventually(const std::string& sql) {
        return testing::eventually([&] { return scalar(sql) == "t"; }, 30s, "never true: " + sql);
    }
    ::testing::AssertionResult job_in_state(std::int64_t id, const std::string& states) {
        return eventually("SELECT state::text IN (" + states + ") FROM \"" + schema_.name() +
                          "\".river_job WHERE id = " + std::to_string(id));
    }

    std::optional<client> inserter_;
};

TEST_F(worker_client_test, ACompletedJobIsWrittenAsRiverWritesIt) {
    std::atomic<int> seen{0};
    std::string to;
    workers registry;
    registry.add<email_args>([&](const job_context& ctx, const email_args& args) {
        to = args.to;
        EXPECT_EQ(ctx.job().attempt, 1);
        EXPECT_EQ(ctx.job().state, job_state::running);
        ++seen;
    });
    worker_client worker(options(), std::move(registry));
    const std::int64_t id = insert("email", R"({"to":"ada@example.com"})");
    worker.start();
    ASSERT_TRUE(job_in_state(id, "'completed'"));
    worker.stop();
    EXPECT_EQ(seen, 1);
    EXPECT_EQ(to, "ada@example.com");
    EXPECT_EQ(column(id, "attempt"), "1");
    EXPECT_EQ(column(id, "attempted_by"), "{cpp_worker_" + schema_.name() + "}");
    EXPECT_EQ(column(id, "attempted_at IS NOT NULL AND finalized_at >= attempted_at"), "true");
    EXPECT_EQ(column(id, "errors IS NULL"), "true");
    EXPECT_EQ(column(id, "metadata"), "{}");
    EXPECT_EQ(scalar("SELECT paused_at IS NULL FROM \"" + schema_.name() + "\".river_queue WHERE name = 'default'"),
              "t");
}

TEST_F(worker_client_test, AFailureRecordsRiversErrorElementAndRetriesWithItsBackoff) {
    workers registry;
    registry.add("fails", [](const job_context&) { throw std::runtime_error("no \"mail\" server"); });
    worker_client worker(options(), std::move(registry));
    const std::int64_t id = insert("fails");
    worker.start();
    // The first retry is about 1 s away: available again with a future scheduled_at.
    ASSERT_TRUE(eventually("SELECT cardinality(errors) = 1 FROM \"" + schema_.name() + "\".river_job WHERE id = " +
                           std::to_string(id)));
    worker.stop();
    EXPECT_EQ(column(id, "errors[1]->>'error'"), "no \"mail\" server");
    EXPECT_EQ(column(id, "errors[1]->>'attempt'"), "1");
    EXPECT_EQ(column(id, "errors[1]->>'trace'"), "");
    EXPECT_EQ(column(id, "jsonb_typeof(errors[1]->'attempt')"), "number");
    EXPECT_EQ(column(id, "(errors[1]->>'at')::timestamptz <= attempted_at + interval '1 second'"), "true");
    EXPECT_EQ(column(id, "finalized_at IS NULL"), "true");
    // 1 s give or take 10%, from when the outcome was known (after attempted_at).
    EXPECT_EQ(column(id, "scheduled_at - attempted_at BETWEEN interval '0.85 seconds' AND interval '1.5 seconds'"),
              "true");
    const std::string state = column(id, "state");
    EXPECT_TRUE(state == "available" || state == "running") << state;
}

TEST_F(worker_client_test, TheLastAttemptIsDiscarded) {
    workers registry;
    registry.add("fails", [](const job_context&) { throw std::runtime_error("boom"); });
    worker_client worker(options(), std::move(registry));
    insert_opts opts;
    opts.max_attempts = 1;
    const std::int64_t id = insert("fails", "{}", opts);
    worker.start();
    ASSERT_TRUE(job_in_state(id, "'discarded'"));
    worker.stop();
    EXPECT_EQ(column(id, "finalized_at IS NOT NULL AND cardinality(errors) = 1"), "true");
}

TEST_F(worker_client_test, SnoozeAndCancel) {
    workers registry;
    registry.add("snoozes", [](const job_context&) { throw job_snooze(1h); });
    registry.add("cancels", [](const job_context&) { throw job_cancel("not wanted"); });
    worker_client worker(options(), std::move(registry));
    const std::int64_t snoozed = insert("snoozes");
    const std::int64_t cancelled = insert("cancels");
    worker.start();
    ASSERT_TRUE(job_in_state(snoozed, "'scheduled'"));
    ASSERT_TRUE(job_in_state(cancelled, "'cancelled'"));
    worker.stop();
    EXPECT_EQ(column(snoozed, "attempt"), "0");
    EXPECT_EQ(column(snoozed, "metadata->>'snoozes'"), "1");
    EXPECT_EQ(column(snoozed, "errors IS NULL"), "true");
    EXPECT_EQ(column(snoozed, "scheduled_at > now() + interval '50 minutes'"), "true");
    EXPECT_EQ(column(cancelled, "errors[1]->>'error'"), "JobCancelError: not wanted");
    EXPECT_EQ(column(cancelled, "finalized_at IS NOT NULL"), "true");
}

TEST_F(worker_client_test, UnknownKindsFailAsInRiverUnlessOnlyKnownKindsAreFetched) {
    workers registry;
    registry.add("known", [](const job_context&) {});
    worker_options o = options();
    worker_client worker(o, registry);
    const std::int64_t unknown = insert("unknown");
    worker.start();
    ASSERT_TRUE(eventually("SELECT cardinality(errors) = 1 FROM \"" + schema_.name() +
                           "\".river_job WHERE id = " + std::to_string(unknown)));
    worker.stop();
    EXPECT_EQ(column(unknown, "errors[1]->>'error'"),
              "job kind is not registered in the client's Workers bundle: unknown");

    o.fetch_only_known_kinds = true;
    worker_client picky(o, registry);
    const std::int64_t foreign = insert("foreign");
    const std::int64_t known = insert("known");
    picky.start();
    ASSERT_TRUE(job_in_state(known, "'completed'"));
    picky.stop();
    EXPECT_EQ(column(foreign, "state"), "available");
    EXPECT_EQ(column(foreign, "attempt"), "0");
}

TEST_F(worker_client_test, ATimeoutAsksTheJobToStopAndFailsItWithRiversText) {
    workers registry;
    registry.add("slow", [](const job_context& ctx) {
        while (!ctx.stop_requested()) std::this_thread::sleep_for(1ms);
        ctx.throw_if_stop_requested();
    });
    worker_options o = options();
    o.job_timeout = 100ms;
    worker_client worker(o, std::move(registry));
    const std::int64_t id = insert("slow");
    worker.start();
    ASSERT_TRUE(eventually("SELECT cardinality(errors) = 1 FROM \"" + schema_.name() + "\".river_job WHERE id = " +
                           std::to_string(id)));
    worker.stop_and_cancel();
    EXPECT_EQ(column(id, "errors[1]->>'error'"), "context deadline exceeded");
}

TEST_F(worker_client_test, ConcurrentJobsNeverExceedTheQueuesLimit) {
    std::atomic<int> running{0};
    std::atomic<int> most{0};
    std::atomic<int> done{0};
    workers registry;
    registry.add("busy", [&](const job_context&) {
        const int now_running = ++running;
        int seen = most.load();
        while (now_running > seen && !most.compare_exchange_weak(seen, now_running)) {
        }
        std::this_thread::sleep_for(5ms);
        --running;
        ++done;
    });
    worker_client worker(options(3), std::move(registry));
    std::vector<insert_many_params> jobs;
    for (int i = 0; i < 60; ++i) jobs.push_back({dynamic_args{"busy", "{}", {}}, {}});
    inserter_->insert_many(jobs);
    worker.start();
    ASSERT_TRUE(eventually("SELECT count(*) = 60 FROM \"" + schema_.name() + "\".river_job WHERE state = 'completed'"));
    worker.stop();
    EXPECT_EQ(done, 60);
    EXPECT_LE(most, 3);
    EXPECT_GE(most, 2);  // the slots were used
}

TEST_F(worker_client_test, APausedQueueIsNotWorkedUntilResumed) {
    workers registry;
    registry.add("job", [](const job_context&) {});
    scalar("INSERT INTO \"" + schema_.name() +
           "\".river_queue (name, paused_at, updated_at) VALUES ('default', now(), now()) RETURNING 1");
    worker_client worker(options(), std::move(registry));
    const std::int64_t id = insert("job");
    worker.start();
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(column(id, "state"), "available");
    scalar("UPDATE \"" + schema_.name() + "\".river_queue SET paused_at = NULL WHERE name = 'default' RETURNING 1");
    ASSERT_TRUE(job_in_state(id, "'completed'"));  // within the 2 s pause check
    worker.stop();
}

TEST_F(worker_client_test, StopWaitsForRunningJobsAndStopAndCancelGivesTheAttemptBack) {
    std::atomic<bool> started{false};
    std::atomic<bool> finished{false};
    workers registry;
    registry.add("long", [&](const job_context&) {
        started = true;
        std::this_thread::sleep_for(200ms);
        finished = true;
    });
    registry.add("patient", [&](const job_context& ctx) {
        started = true;
        while (!ctx.stop_requested()) std::this_thread::sleep_for(1ms);
        ctx.throw_if_stop_requested();
    });
    {
        worker_client worker(options(), registry);
        const std::int64_t id = insert("long");
        worker.start();
        while (!started) std::this_thread::sleep_for(1ms);
        worker.stop();
        EXPECT_TRUE(finished);
        EXPECT_EQ(column(id, "state"), "completed");  // its outcome written before stop returned
    }
    started = false;
    worker_client worker(options(), registry);
    const std::int64_t id = insert("patient");
    worker.start();
    while (!started) std::this_thread::sleep_for(1ms);
    worker.stop_and_cancel();
    EXPECT_EQ(column(id, "state"), "available");
    EXPECT_EQ(column(id, "attempt"), "0");
    EXPECT_EQ(column(id, "errors IS NULL"), "true");
}

TEST_F(worker_client_test, ACancelRequestedWhileRunningWinsOverARetry) {
    // River's JobCancel on a running job sets metadata.cancel_attempted_at;
    // the completion then cancels instead of retrying.
    std::atomic<bool> started{false};
    std::atomic<bool> go{false};
    workers registry;
    registry.add("doomed", [&](const job_context&) {
        started = true;
        while (!go) std::this_thread::sleep_for(1ms);
        throw std::runtime_error("failed anyway");
    });
    worker_client worker(options(), std::move(registry));
    const std::int64_t id = insert("doomed");
    worker.start();
    while (!started) std::this_thread::sleep_for(1ms);
    scalar("UPDATE \"" + schema_.name() +
           "\".river_job SET metadata = metadata || jsonb_build_object('cancel_attempted_at', now()) WHERE id = " +
           std::to_string(id) + " RETURNING 1");
    go = true;
    ASSERT_TRUE(job_in_state(id, "'cancelled'"));
    worker.stop();
    EXPECT_EQ(column(id, "cardinality(errors)"), "1");
    EXPECT_EQ(column(id, "finalized_at IS NOT NULL"), "true");
}

TEST_F(worker_client_test, BadOptionsAreRefusedBeforeAnythingRuns) {
    workers registry;
    registry.add("job", [](const job_context&) {});
    worker_options none = options();
    none.queues.clear();
    EXPECT_THROW(worker_client(none, registry), validation_error);
    worker_options bad_queue = options();
    bad_queue.queues["Not A Queue"] = {};
    EXPECT_THROW(worker_client(bad_queue, registry), validation_error);
    worker_options too_many = options();
    too_many.queues["default"].max_workers = 0;
    EXPECT_THROW(worker_client(too_many, registry), validation_error);
    EXPECT_THROW(worker_client(options(), workers{}), validation_error);
    EXPECT_THROW(registry.add("job", [](const job_context&) {}), validation_error);
}

}  // namespace
}  // namespace riverqueue::testing
