// Leader election on river_leader and the leader's scheduler, against a real
// PostgreSQL: one leader among several clients, a hand-over on stop, and
// scheduled and retryable jobs made available when due by a C++-only fleet.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <riverqueue/client.hpp>
#include <riverqueue/worker_client.hpp>

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
        const auto give_up = std::chrono::steady_clock::now() + within;
        while (std::chrono::steady_clock::now() < give_up) {
            if (condition()) return ::testing::AssertionSuccess();
            std::this_thread::sleep_for(10ms);
        }
        return ::testing::AssertionFailure() << "never happened";
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
        return std::chrono::system_clock::now() + 6s;
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
    later.scheduled_at = std::chrono::system_clock::now() + 7s;
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

}  // namespace
}  // namespace riverqueue::testing
