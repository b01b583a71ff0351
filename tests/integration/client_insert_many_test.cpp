// Batches: all or nothing, input order, in-batch duplicates, large batches.
#include <gtest/gtest.h>

#include <riverqueue/errors.hpp>

#include "client_test_support.hpp"

namespace riverqueue::testing {
namespace {

std::vector<insert_many_params> numbered_jobs(int count, insert_opts opts = {}) {
    std::vector<insert_many_params> jobs;
    jobs.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        jobs.push_back({dynamic_args{"numbered", R"({"n":)" + std::to_string(i) + "}", {}}, opts});
    }
    return jobs;
}

TEST_F(client_test, InsertManyReturnsRowsInInputOrder) {
    auto c = make_client();
    auto jobs = numbered_jobs(50);
    jobs[10].opts.queue = "other";
    jobs[20].opts.priority = 4;
    const auto results = c.insert_many(jobs);
    ASSERT_EQ(results.size(), 50u);
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(results[static_cast<std::size_t>(i)].job.args, R"({"n": )" + std::to_string(i) + "}");
        EXPECT_FALSE(results[static_cast<std::size_t>(i)].unique_skipped_as_duplicated);
    }
    EXPECT_EQ(results[10].job.queue, "other");
    EXPECT_EQ(results[20].job.priority, 4);
    EXPECT_EQ(job_count(), 50);
}

TEST_F(client_test, InsertManyWithOneInvalidJobInsertsNothing) {
    auto c = make_client();
    auto jobs = numbered_jobs(10);
    jobs[7].opts.priority = 9;
    try {
        c.insert_many(jobs);
        FAIL() << "expected a validation_error";
    } catch (const validation_error& e) {
        EXPECT_EQ(e.field(), "jobs[7].priority");
    }
    EXPECT_EQ(job_count(), 0);
}

TEST_F(client_test, InsertManyFailingInTheDatabaseInsertsNothing) {
    auto c = make_client();
    auto jobs = numbered_jobs(10);
    // Passes client validation but breaks a database constraint only when the
    // table forbids it: add a check that rejects one job.
    admin_.execute("ALTER TABLE " + table("river_job") + " ADD CONSTRAINT no_five CHECK (args->>'n' <> '5')");
    EXPECT_THROW(c.insert_many(jobs), database_error);
    EXPECT_EQ(job_count(), 0);
}

TEST_F(client_test, InsertManyDeduplicatesWithinTheBatch) {
    auto c = make_client();
    insert_opts opts;
    opts.unique = unique_opts{.by_args = unique_by_args_all{}};
    std::vector<insert_many_params> jobs = {
        {dynamic_args{"k", R"({"id": 1})", {}}, opts},
        {dynamic_args{"k", R"({"id": 2})", {}}, opts},
        {dynamic_args{"k", R"({"id": 1})", {}}, opts},
        {dynamic_args{"k", R"({"id": 3})", {}}, {}},
        {dynamic_args{"k", R"({"id": 1})", {}}, opts},
    };
    const auto results = c.insert_many(jobs);
    ASSERT_EQ(results.size(), 5u);
    EXPECT_FALSE(results[0].unique_skipped_as_duplicated);
    EXPECT_FALSE(results[1].unique_skipped_as_duplicated);
    EXPECT_TRUE(results[2].unique_skipped_as_duplicated);
    EXPECT_EQ(results[2].job.id, results[0].job.id);
    EXPECT_FALSE(results[3].unique_skipped_as_duplicated);
    EXPECT_TRUE(results[4].unique_skipped_as_duplicated);
    EXPECT_EQ(results[4].job.id, results[0].job.id);
    EXPECT_EQ(job_count(), 3);

    // Against rows already stored: every member of the batch is a duplicate.
    const auto again = c.insert_many(std::span(jobs).first(3));
    EXPECT_TRUE(again[0].unique_skipped_as_duplicated && again[1].unique_skipped_as_duplicated &&
                again[2].unique_skipped_as_duplicated);
    EXPECT_EQ(again[0].job.id, results[0].job.id);
    EXPECT_EQ(again[1].job.id, results[1].job.id);
    EXPECT_EQ(job_count(), 3);
}

TEST_F(client_test, InsertManyOfHundredThousandJobsWorks) {
    auto c = make_client();
    const auto results = c.insert_many(numbered_jobs(100'000));
    ASSERT_EQ(results.size(), 100'000u);
    EXPECT_EQ(results.back().job.args, R"({"n": 99999})");
    EXPECT_LT(results.front().job.id, results.back().job.id);
    EXPECT_EQ(job_count(), 100'000);
}

TEST_F(client_test, InsertManyRejectsAnEmptyBatch) {
    auto c = make_client();
    EXPECT_THROW(c.insert_many({}), validation_error);
}

}  // namespace
}  // namespace riverqueue::testing
