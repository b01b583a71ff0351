// Unique jobs: each dimension deduplicates, different values do not, states
// are respected, and concurrent inserters agree on one row.
#include <gtest/gtest.h>

#include <thread>

#include "client_test_support.hpp"

namespace riverqueue::testing {
namespace {

using namespace std::chrono_literals;

insert_opts unique(unique_opts opts) {
    insert_opts out;
    out.unique = std::move(opts);
    return out;
}

TEST_F(client_test, UniqueByArgsDeduplicatesEqualArgsOnly) {
    auto c = make_client();
    const auto opts = unique({.by_args = unique_by_args_all{}});
    const insert_result first = c.insert(dynamic_args{"k", R"({"a": 1, "b": "x"})", {}}, opts);
    EXPECT_FALSE(first.unique_skipped_as_duplicated);
    ASSERT_TRUE(first.job.unique_key);
    EXPECT_EQ(first.job.unique_states,
              (std::vector<job_state>{job_state::available, job_state::completed, job_state::pending,
                                      job_state::retryable, job_state::running, job_state::scheduled}));
    // Same args in another order and spacing: same key.
    const insert_result second = c.insert(dynamic_args{"k", R"({ "b":"x","a":1 })", {}}, opts);
    EXPECT_TRUE(second.unique_skipped_as_duplicated);
    EXPECT_EQ(second.job.id, first.job.id);
    const insert_result other = c.insert(dynamic_args{"k", R"({"a": 2, "b": "x"})", {}}, opts);
    EXPECT_FALSE(other.unique_skipped_as_duplicated);
    EXPECT_NE(other.job.id, first.job.id);
    EXPECT_EQ(job_count(), 2);
}

TEST_F(client_test, UniqueByArgsSubsetIgnoresOtherKeys) {
    auto c = make_client();
    const auto opts = unique({.by_args = unique_by_args_subset{"customer.id"}});
    const auto first = c.insert(dynamic_args{"k", R"({"customer": {"id": 7, "name": "a"}, "n": 1})", {}}, opts);
    const auto second = c.insert(dynamic_args{"k", R"({"customer": {"id": 7, "name": "b"}, "n": 2})", {}}, opts);
    EXPECT_TRUE(second.unique_skipped_as_duplicated);
    EXPECT_EQ(second.job.id, first.job.id);
    const auto third = c.insert(dynamic_args{"k", R"({"customer": {"id": 8}})", {}}, opts);
    EXPECT_FALSE(third.unique_skipped_as_duplicated);
}

TEST_F(client_test, UniqueByKindByDefaultAndKindMatters) {
    auto c = make_client();
    const auto opts = unique({.by_queue = true});
    EXPECT_FALSE(c.insert(dynamic_args{"kind_a", "{}", {}}, opts).unique_skipped_as_duplicated);
    EXPECT_TRUE(c.insert(dynamic_args{"kind_a", R"({"x": 1})", {}}, opts).unique_skipped_as_duplicated);
    EXPECT_FALSE(c.insert(dynamic_args{"kind_b", "{}", {}}, opts).unique_skipped_as_duplicated);
}

TEST_F(client_test, UniqueByQueueDeduplicatesPerQueue) {
    auto c = make_client();
    auto opts = unique({.by_queue = true});
    opts.queue = "one";
    const auto first = c.insert(email_args{"q"}, opts);
    EXPECT_TRUE(c.insert(email_args{"q"}, opts).unique_skipped_as_duplicated);
    opts.queue = "two";
    const auto other = c.insert(email_args{"q"}, opts);
    EXPECT_FALSE(other.unique_skipped_as_duplicated);
    EXPECT_NE(other.job.id, first.job.id);
}

TEST_F(client_test, UniqueByPeriodUsesScheduledAtPeriod) {
    auto c = make_client();
    auto opts = unique({.by_period = 1h});
    const auto hour = std::chrono::floor<std::chrono::hours>(riverqueue::now()) + 48h;
    opts.scheduled_at = hour + 5min;
    const auto first = c.insert(email_args{"p"}, opts);
    opts.scheduled_at = hour + 55min;
    EXPECT_TRUE(c.insert(email_args{"p"}, opts).unique_skipped_as_duplicated);
    opts.scheduled_at = hour + 65min;
    const auto next_period = c.insert(email_args{"p"}, opts);
    EXPECT_FALSE(next_period.unique_skipped_as_duplicated);
    EXPECT_NE(next_period.job.id, first.job.id);
}

TEST_F(client_test, UniqueExcludeKindCollidesAcrossKinds) {
    auto c = make_client();
    const auto opts = unique({.by_args = unique_by_args_all{}, .exclude_kind = true});
    const auto first = c.insert(dynamic_args{"kind_a", R"({"id": 1})", {}}, opts);
    const auto second = c.insert(dynamic_args{"kind_b", R"({"id": 1})", {}}, opts);
    EXPECT_TRUE(second.unique_skipped_as_duplicated);
    EXPECT_EQ(second.job.id, first.job.id);
    EXPECT_EQ(second.job.kind, "kind_a");  // the existing row, unchanged
}

TEST_F(client_test, UniqueStatesAreRespected) {
    auto c = make_client();
    const std::vector<job_state> without_completed{job_state::available, job_state::pending, job_state::running,
                                                   job_state::scheduled};
    const auto opts = unique({.by_args = unique_by_args_all{}, .by_state = without_completed});
    const auto first = c.insert(email_args{"s"}, opts);
    ASSERT_TRUE(first.job.unique_states);
    EXPECT_EQ(*first.job.unique_states, without_completed);
    EXPECT_EQ(scalar("SELECT unique_states::text FROM " + table("river_job") + " WHERE id = " +
                     std::to_string(first.job.id)),
              "11010001");
    EXPECT_TRUE(c.insert(email_args{"s"}, opts).unique_skipped_as_duplicated);
    // Once the job is completed, a state outside the set, a new one may go in.
    admin_.execute("UPDATE " + table("river_job") + " SET state = 'completed', finalized_at = now() WHERE id = " +
                   std::to_string(first.job.id));
    const auto after = c.insert(email_args{"s"}, opts);
    EXPECT_FALSE(after.unique_skipped_as_duplicated);
    EXPECT_NE(after.job.id, first.job.id);

    // With the default states, a completed job still blocks.
    const auto default_opts = unique({.by_args = unique_by_args_all{}});
    const auto d1 = c.insert(email_args{"d"}, default_opts);
    admin_.execute("UPDATE " + table("river_job") + " SET state = 'completed', finalized_at = now() WHERE id = " +
                   std::to_string(d1.job.id));
    EXPECT_TRUE(c.insert(email_args{"d"}, default_opts).unique_skipped_as_duplicated);
}

TEST_F(client_test, PerTypeUniqueOptsApplyUnlessTheCallSetsItsOwn) {
    auto c = make_client();
    dynamic_args args{"typed_unique", R"({"id": 1})", {}};
    args.defaults.unique = unique_opts{.by_args = unique_by_args_all{}};
    const auto first = c.insert(args, {});
    EXPECT_TRUE(c.insert(args, {}).unique_skipped_as_duplicated);
    // The call's unique opts replace the type's.
    const auto by_queue = c.insert(args, unique({.by_queue = true}));
    EXPECT_FALSE(by_queue.unique_skipped_as_duplicated);
    EXPECT_NE(by_queue.job.id, first.job.id);
}

TEST_F(client_test, ConcurrentInsertersOfOneUniqueJobLeaveOneRow) {
    auto c = make_client();
    const auto opts = unique({.by_args = unique_by_args_all{}});
    constexpr int threads = 8;
    std::vector<insert_result> results(threads);
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) {
        workers.emplace_back([&, i] { results[static_cast<std::size_t>(i)] = c.insert(email_args{"same"}, opts); });
    }
    for (auto& worker : workers) worker.join();
    int inserted = 0;
    for (const auto& result : results) {
        if (!result.unique_skipped_as_duplicated) ++inserted;
        EXPECT_EQ(result.job.id, results.front().job.id);
    }
    EXPECT_EQ(inserted, 1);
    EXPECT_EQ(job_count(), 1);
}

}  // namespace
}  // namespace riverqueue::testing
