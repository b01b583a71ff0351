// River's notifications, as River Go sends them, reaching the worker runtime:
// an insert wakes the queue before its poll, a cancel stops a running job
// and cancels it, pause and resume (also for "*") stop and restart fetching.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <riverqueue/client.hpp>
#include <riverqueue/worker_client.hpp>

#include "eventually.hpp"
#include "support/test_database.hpp"

namespace riverqueue::testing {
namespace {

using namespace std::chrono_literals;

class worker_notifications_test : public migrated_schema_test {
protected:
    worker_options options() {
        worker_options o;
        o.conninfo = database_url();
        o.schema = schema_.name();
        o.queues["default"] = queue_options{4};
        o.poll_interval = 30s;  // notifications, not the poll, must wake it
        o.fetch_cooldown = 1ms;
        return o;
    }
    client inserter() {
        client_options o;
        o.conninfo = database_url();
        o.schema = schema_.name();
        o.notify_cooldown = 0ms;
        return client(o);
    }
    std::string table() const { return "\"" + schema_.name() + "\".river_job"; }
    void notify_control(const std::string& payload_sql) {
        scalar("SELECT pg_notify('" + schema_.name() + ".river_control', " + payload_sql + ")::text");
    }
    ::testing::AssertionResult state_becomes(std::int64_t id, const std::string& state, std::chrono::seconds within) {
        return eventually(
            [&] { return scalar("SELECT state FROM " + table() + " WHERE id = " + std::to_string(id)) == state; }, within,
            "job " + std::to_string(id) + " never became " + state);
    }
};

TEST_F(worker_notifications_test, AnInsertNotificationWakesTheQueueBeforeItsPoll) {
    workers registry;
    registry.add("job", [](const job_context&) {});
    worker_client worker(options(), std::move(registry));
    worker.start();
    std::this_thread::sleep_for(300ms);  // the start-up fetch found nothing; the next poll is 30 s away
    client c = inserter();
    const std::int64_t id = c.insert(dynamic_args{"job", "{}", {}}).job.id;
    EXPECT_TRUE(state_becomes(id, "completed", 10s));
    worker.stop();
}

TEST_F(worker_notifications_test, RiversCancelStopsTheRunningJobAndCancelsIt) {
    std::atomic<bool> started{false};
    workers registry;
    registry.add("long", [&](const job_context& ctx) {
        started = true;
        while (!ctx.stop_requested()) std::this_thread::sleep_for(1ms);
        throw std::runtime_error("gave up");  // any error of a job cancelled remotely
    });
    worker_client worker(options(), std::move(registry));
    client c = inserter();
    const std::int64_t id = c.insert(dynamic_args{"long", "{}", {}}).job.id;
    worker.start();
    while (!started) std::this_thread::sleep_for(1ms);
    // River's JobCancel on a running job: the metadata mark and the notification.
    scalar("UPDATE " + table() + " SET metadata = metadata || jsonb_build_object('cancel_attempted_at', now()) WHERE id = " +
           std::to_string(id) + " RETURNING 1");
    notify_control("json_build_object('action', 'cancel', 'job_id', " + std::to_string(id) + ", 'queue', 'default')::text");
    ASSERT_TRUE(state_becomes(id, "cancelled", 10s));
    worker.stop();
    EXPECT_EQ(scalar("SELECT errors[1]->>'error' FROM " + table() + " WHERE id = " + std::to_string(id)),
              "JobCancelError: job cancelled remotely");
}

TEST_F(worker_notifications_test, PollingOnlyACancelRequestIsFoundByThePoll) {
    std::atomic<bool> started{false};
    workers registry;
    registry.add("long", [&](const job_context& ctx) {
        started = true;
        while (!ctx.stop_requested()) std::this_thread::sleep_for(1ms);
        ctx.throw_if_stop_requested();
    });
    worker_options o = options();
    o.poll_only = true;
    o.poll_interval = 50ms;
    worker_client worker(o, std::move(registry));
    client c = inserter();
    const std::int64_t id = c.insert(dynamic_args{"long", "{}", {}}).job.id;
    worker.start();
    while (!started) std::this_thread::sleep_for(1ms);
    // No notification: River's 2 s poll of the running jobs finds the mark.
    scalar("UPDATE " + table() + " SET metadata = metadata || jsonb_build_object('cancel_attempted_at', now()) WHERE id = " +
           std::to_string(id) + " RETURNING 1");
    ASSERT_TRUE(state_becomes(id, "cancelled", 10s));
    worker.stop();
    EXPECT_EQ(scalar("SELECT errors[1]->>'error' FROM " + table() + " WHERE id = " + std::to_string(id)),
              "JobCancelError: job cancelled remotely");
}

TEST_F(worker_notifications_test, PauseAndResumeNotificationsStopAndRestartFetching) {
    workers registry;
    registry.add("job", [](const job_context&) {});
    worker_options o = options();
    worker_client worker(o, std::move(registry));
    worker.start();
    std::this_thread::sleep_for(200ms);
    scalar("UPDATE \"" + schema_.name() + "\".river_queue SET paused_at = now() WHERE name = 'default' RETURNING 1");
    notify_control(R"('{"action":"pause","queue":"*"}')");
    std::this_thread::sleep_for(300ms);
    client c = inserter();
    const std::int64_t id = c.insert(dynamic_args{"job", "{}", {}}).job.id;
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(scalar("SELECT state FROM " + table() + " WHERE id = " + std::to_string(id)), "available");
    scalar("UPDATE \"" + schema_.name() + "\".river_queue SET paused_at = NULL WHERE name = 'default' RETURNING 1");
    notify_control(R"('{"action":"resume","queue":"default"}')");
    EXPECT_TRUE(state_becomes(id, "completed", 10s));
    worker.stop();
}

}  // namespace
}  // namespace riverqueue::testing
