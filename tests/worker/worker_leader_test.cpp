// Leader election on river_leader and the leader's scheduler, against a real
// PostgreSQL: one leader among several clients, a hand-over on stop, and
// scheduled and retryable jobs made available when due by a C++-only fleet.
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

class worker_leader_test : public migrated_schema_test {
protected:
    worker_options options(const std::string& id) {
        worker_options o;
        o.conninfo = database_url();
        o.schema = schema_.name();
        o.queues["default"] = queue_options{4};
        o.poll_interval = 20ms;
        o.fetch_cooldown = 1ms;
        o.client_id = id;
        o.leader_election = true;
        return o;
    }
    std::string leader_row() {
        return scalar("SELECT coalesce((SELECT leader_id FROM \"" + schema_.name() + "\".river_leader), '')");
    }
    template <typename Condition>
    ::testing::AssertionResult eventually(Condition condition, std::chrono::seconds within = 20s) {
        return testing::eventually(condition, within, "never happened");
    }
};

TEST_F(worker_leader_test, OneOfSeveralClientsLeadsAndHandsOverWhenItStops) {
    workers registry;
    registry.add("job", [](const job_context&) {});
    auto first = std::make_unique<worker_client>(options("cpp_a"), registry);
    worker_client second(options("cpp_b"), registry);
    first->start();
    second.start();
    ASSERT_TRUE(eventually([&] { return first->leading() || second.leading(); }));
    // Never both at once, and the row names the one that leads.
    for (int i = 0; i < 50; ++i) {
        const bool a = first->leading();
        const bool b = second.leading();
        ASSERT_FALSE(a && b);
        std::this_thread::sleep_for(5ms);
    }
    worker_client* current = first->leading() ? first.get() : &second;
    worker_client* other = current == first.get() ? &second : first.get();
    EXPECT_EQ(leader_row(), current->client_id());

    // The leader stops: it resigns (the row goes at once) and the other bids
    // within its 5 s interval plus jitter.
    const std::string other_id = other->client_id();
    current->stop();
    EXPECT_NE(leader_row(), current == first.get() ? "cpp_a" : "cpp_b");
    ASSERT_TRUE(eventually([&] { return other->leading(); }, 10s));
    EXPECT_EQ(leader_row(), other_id);
    other->stop();
    EXPECT_EQ(leader_row(), "");
}

TEST_F(worker_leader_test, ALeaseHeldByAnotherClientIsRespected) {
    // A River Go client's lease, written as River writes it.
    scalar("INSERT INTO \"" + schema_.name() +
           "\".river_leader (leader_id, elected_at, expires_at) VALUES ('go_client', now(), now() + interval '15 seconds')"
           " RETURNING 1");
    workers registry;
    registry.add("job", [](const job_context&) {});
    worker_client worker(options("cpp_a"), std::move(registry));
    worker.start();
    std::this_thread::sleep_for(300ms);
    EXPECT_FALSE(worker.leading());
    EXPECT_EQ(leader_row(), "go_client");
    worker.stop();
    EXPECT_EQ(leader_row(), "go_client");  // not ours to resign
}

class retry_soon final : public worker {
public:
    explicit retry_soon(std::atomic<int>& attempts) : attempts_(attempts) {}
    void work(const job_context& ctx) override {
        ++attempts_;
        if (ctx.job().attempt == 1) throw std::runtime_error("first attempt fails");
    }
    // Past the scheduler interval, so the row is written retryable and only
    // the leader's scheduler makes it available again.
    std::optional<time_point> next_retry(const job_row&) const override {
        return riverqueue::now() + 6s;
    }

private:
    std::atomic<int>& attempts_;
};

TEST_F(worker_leader_test, TheLeadersSchedulerBringsScheduledAndRetryableJobsBack) {
    std::atomic<int> attempts{0};
    std::atomic<int> scheduled_runs{0};
    workers registry;
    registry.add("retried", std::make_shared<retry_soon>(attempts));
    registry.add("later", [&](const job_context&) { ++scheduled_runs; });
    client_options client_opts;
    client_opts.conninfo = database_url();
    client_opts.schema = schema_.name();
    client inserter(client_opts);
    insert_opts later;
    later.scheduled_at = riverqueue::now() + 7s;
    const std::int64_t scheduled = inserter.insert(dynamic_args{"later", "{}", {}}, later).job.id;
    const std::int64_t retried = inserter.insert(dynamic_args{"retried", "{}", {}}).job.id;
    EXPECT_EQ(scalar("SELECT state FROM \"" + schema_.name() + "\".river_job WHERE id = " + std::to_string(scheduled)),
              "scheduled");

    worker_client worker(options("cpp_only"), std::move(registry));
    worker.start();
    ASSERT_TRUE(eventually([&] {
        return scalar("SELECT state FROM \"" + schema_.name() + "\".river_job WHERE id = " + std::to_string(retried)) ==
               "retryable";
    }));
    ASSERT_TRUE(eventually([&] { return attempts == 2 && scheduled_runs == 1; }, 30s));
    worker.stop();
    EXPECT_TRUE(worker.leading() == false);
    EXPECT_EQ(scalar("SELECT string_agg(state::text || ':' || attempt, ',' ORDER BY id) FROM \"" + schema_.name() +
                     "\".river_job"),
              "completed:1,completed:2");
}

TEST_F(worker_leader_test, TheLeadersRescuerAndCleanersTreatStuckAndOldJobsAsRiverDoes) {
    workers registry;
    registry.add("known", [](const job_context&) {});
    client_options client_opts;
    client_opts.conninfo = database_url();
    client_opts.schema = schema_.name();
    client inserter(client_opts);
    const auto add = [&](const std::string& kind) { return inserter.insert(dynamic_args{kind, "{}", {}}).job.id; };
    const std::string table = "\"" + schema_.name() + "\".river_job";
    const auto set = [&](std::int64_t id, const std::string& assignments) {
        scalar("UPDATE " + table + " SET " + assignments + " WHERE id = " + std::to_string(id) + " RETURNING 1");
    };
    // Left running by a process that died two hours ago (attempt 1 of 25).
    const std::string stuck = "state = 'running', attempt = 1, attempted_at = now() - interval '2 hours'";
    const std::int64_t retried = add("known");
    set(retried, stuck);
    const std::int64_t foreign = add("foreign");
    set(foreign, stuck);
    const std::int64_t cancel = add("known");
    set(cancel, stuck + ", metadata = jsonb_build_object('cancel_attempted_at', '2026-01-01T00:00:00Z')");
    const std::int64_t recent = add("known");
    set(recent, "state = 'running', attempt = 1, attempted_at = now() - interval '10 minutes'");
    // Finalized long ago, and recently.
    const std::int64_t old_completed = add("known");
    set(old_completed, "state = 'completed', finalized_at = now() - interval '25 hours'");
    const std::int64_t new_completed = add("known");
    set(new_completed, "state = 'completed', finalized_at = now() - interval '1 hour'");
    const std::int64_t old_discarded = add("known");
    set(old_discarded, "state = 'discarded', finalized_at = now() - interval '8 days'");
    const std::int64_t new_discarded = add("known");
    set(new_discarded, "state = 'discarded', finalized_at = now() - interval '6 days'");
    scalar("INSERT INTO \"" + schema_.name() +
           "\".river_queue (name, updated_at) VALUES ('forgotten', now() - interval '25 hours') RETURNING 1");

    worker_options o = options("cpp_maintainer");
    o.queues.clear();
    o.queues["unused"] = queue_options{1};  // the jobs above are not fetched from here
    o.on_error = [](const std::exception& e) { ADD_FAILURE() << "maintenance failed: " << e.what(); };
    worker_client worker(o, std::move(registry));
    worker.start();
    ASSERT_TRUE(eventually([&] {
        return scalar("SELECT count(*) FROM " + table + " WHERE state = 'running'") == "1" &&
               scalar("SELECT count(*) FROM " + table) == "6";
    })) << scalar("SELECT string_agg(id || ':' || state, ',' ORDER BY id) FROM " + table);
    worker.stop();
    const auto row = [&](std::int64_t id, const std::string& expression) {
        return scalar("SELECT (" + expression + ")::text FROM " + table + " WHERE id = " + std::to_string(id));
    };
    // Retryable about a second on (River's backoff for a first error), which
    // the scheduler's look-ahead then makes available.
    EXPECT_EQ(row(retried, "state IN ('retryable', 'available')"), "true");
    EXPECT_EQ(row(retried, "errors[1]->>'error'"), "Stuck job rescued by JobRescuer");
    EXPECT_EQ(row(retried, "metadata->>'river:rescue_count'"), "1");
    EXPECT_EQ(row(retried, "scheduled_at > attempted_at + interval '2 hours'"), "true");
    EXPECT_EQ(row(foreign, "state || ' ' || (finalized_at IS NOT NULL)::text"), "discarded true");
    EXPECT_EQ(row(cancel, "state || ' ' || (finalized_at IS NOT NULL)::text"), "cancelled true");
    EXPECT_EQ(row(recent, "state || ' ' || (errors IS NULL)::text"), "running true");
    EXPECT_EQ(row(old_completed, "state"), "");  // deleted
    EXPECT_EQ(row(new_completed, "state"), "completed");
    EXPECT_EQ(row(old_discarded, "state"), "");
    EXPECT_EQ(row(new_discarded, "state"), "discarded");
    EXPECT_EQ(scalar("SELECT count(*) FROM \"" + schema_.name() + "\".river_queue WHERE name = 'forgotten'"), "0");
}

}  // namespace
}  // namespace riverqueue::testing
