// Splitting a batch so each unique key is sent once, and mapping the
// returned rows back onto every input job.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include <riverqueue/errors.hpp>

#include "core/insert_batch.hpp"
#include "core/insert_sql.hpp"

namespace riverqueue::core {
namespace {

std::array<std::uint8_t, 32> key_of(std::uint8_t seed) {
    std::array<std::uint8_t, 32> key{};
    key.fill(seed);
    return key;
}

resolved_job job(std::string kind, std::optional<std::uint8_t> key_seed = std::nullopt) {
    resolved_job out;
    out.kind = std::move(kind);
    out.args = "{}";
    out.queue = "default";
    if (key_seed) out.unique_key = key_of(*key_seed);
    return out;
}

// The row PostgreSQL would return for `sent`.
insert_result row_for(const resolved_job& sent, std::int64_t id, bool duplicate = false) {
    insert_result result;
    result.job.id = id;
    result.job.kind = sent.kind;
    result.job.queue = sent.queue;
    result.job.unique_key = sent.unique_key;
    result.unique_skipped_as_duplicated = duplicate;
    return result;
}

class InsertBatch : public ::testing::Test {
protected:
    // a and c share a key, d and f share another; b and e are not unique and
    // identical, which must not make them duplicates.
    std::vector<resolved_job> jobs = {job("a", 1), job("b"), job("c", 1), job("d", 2), job("b"), job("f", 2)};
};

TEST_F(InsertBatch, PlanSendsEachKeyOnceAndMapsLaterJobsToTheFirst) {
    const batch_plan plan = plan_batch(jobs);
    ASSERT_EQ(plan.to_send.size(), 4u);
    EXPECT_EQ(plan.to_send[0], &jobs[0]);
    EXPECT_EQ(plan.to_send[1], &jobs[1]);
    EXPECT_EQ(plan.to_send[2], &jobs[3]);
    EXPECT_EQ(plan.to_send[3], &jobs[4]);
    EXPECT_EQ(plan.answered_by, (std::vector<std::size_t>{0, 1, 0, 2, 3, 2}));
    EXPECT_EQ(plan.duplicate_in_batch, (std::vector<bool>{false, false, true, false, false, true}));
}

TEST_F(InsertBatch, PlanOfDistinctJobsSendsAll) {
    const std::vector<resolved_job> distinct = {job("x", 1), job("y", 2), job("z")};
    const batch_plan plan = plan_batch(distinct);
    EXPECT_EQ(plan.to_send.size(), 3u);
    EXPECT_EQ(plan.answered_by, (std::vector<std::size_t>{0, 1, 2}));
}

TEST_F(InsertBatch, ResultsAnswerEveryInputJob) {
    const batch_plan plan = plan_batch(jobs);
    std::vector<insert_result> returned;
    for (std::size_t i = 0; i < plan.to_send.size(); ++i) {
        // The second key already existed in the table.
        returned.push_back(row_for(*plan.to_send[i], static_cast<std::int64_t>(100 + i), /*duplicate=*/i == 2));
    }
    const std::vector<insert_result> results = assemble_results(plan, returned);
    ASSERT_EQ(results.size(), jobs.size());
    const std::vector<std::int64_t> ids = {100, 101, 100, 102, 103, 102};
    const std::vector<bool> duplicates = {false, false, true, true, false, true};
    for (std::size_t i = 0; i < results.size(); ++i) {
        EXPECT_EQ(results[i].job.id, ids[i]) << i;
        EXPECT_EQ(results[i].unique_skipped_as_duplicated, duplicates[i]) << i;
    }
}

// A row is moved into the last job it answers and copied for the others, so
// that a large args value is not copied for a job that has its row alone.
TEST_F(InsertBatch, EachRowIsMovedIntoItsLastJobAndCopiedForTheEarlierOnes) {
    const batch_plan plan = plan_batch(jobs);
    std::vector<insert_result> returned;
    std::vector<const char*> row_args;
    for (std::size_t i = 0; i < plan.to_send.size(); ++i) {
        returned.push_back(row_for(*plan.to_send[i], static_cast<std::int64_t>(100 + i)));
        returned.back().job.args = R"({"blob":")" + std::string(1000 + i, 'x') + R"("})";
        row_args.push_back(returned.back().job.args.data());
    }
    const std::vector<std::string> expected_args = [&] {
        std::vector<std::string> out;
        for (const std::size_t row : plan.answered_by) out.push_back(returned[row].job.args);
        return out;
    }();
    const std::vector<insert_result> results = assemble_results(plan, std::move(returned));
    ASSERT_EQ(results.size(), jobs.size());
    for (std::size_t i = 0; i < results.size(); ++i) EXPECT_EQ(results[i].job.args, expected_args[i]) << i;
    // answered_by is {0, 1, 0, 2, 3, 2}: rows 0 and 2 answer two jobs each.
    EXPECT_NE(results[0].job.args.data(), row_args[0]) << "copied: job 2 has the same row";
    EXPECT_EQ(results[2].job.args.data(), row_args[0]) << "moved into the row's last job";
    EXPECT_EQ(results[1].job.args.data(), row_args[1]);
    EXPECT_EQ(results[5].job.args.data(), row_args[2]);
    EXPECT_EQ(results[4].job.args.data(), row_args[3]);
}

TEST_F(InsertBatch, MismatchedRowsAreRejected) {
    const batch_plan plan = plan_batch(jobs);
    const auto good = [&] {
        std::vector<insert_result> returned;
        for (std::size_t i = 0; i < plan.to_send.size(); ++i) returned.push_back(row_for(*plan.to_send[i], 1));
        return returned;
    };
    ASSERT_NO_THROW(assemble_results(plan, good()));

    auto too_few = good();
    too_few.pop_back();
    EXPECT_THROW(assemble_results(plan, too_few), error);

    auto too_many = good();
    too_many.push_back(too_many.back());
    EXPECT_THROW(assemble_results(plan, too_many), error);

    auto swapped = good();
    std::swap(swapped[0], swapped[2]);
    EXPECT_THROW(assemble_results(plan, swapped), error);

    auto other_key = good();
    other_key[0].job.unique_key = key_of(9);
    EXPECT_THROW(assemble_results(plan, other_key), error);

    auto other_kind = good();
    other_kind[1].job.kind = "not_b";
    EXPECT_THROW(assemble_results(plan, other_kind), error);

    auto other_queue = good();
    other_queue[3].job.queue = "elsewhere";
    EXPECT_THROW(assemble_results(plan, other_queue), error);

    // A job without a key can never be a duplicate.
    auto non_unique_duplicate = good();
    non_unique_duplicate[1].unique_skipped_as_duplicated = true;
    EXPECT_THROW(assemble_results(plan, non_unique_duplicate), error);
}

TEST_F(InsertBatch, DuplicateOfAnotherKindMatchesByKey) {
    // With exclude_kind, the existing row may be of another kind.
    const std::vector<resolved_job> one = {job("new_kind", 3)};
    const batch_plan plan = plan_batch(one);
    insert_result existing = row_for(one[0], 5, /*duplicate=*/true);
    existing.job.kind = "old_kind";
    const auto results = assemble_results(plan, {existing});
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].job.kind, "old_kind");
    EXPECT_TRUE(results[0].unique_skipped_as_duplicated);
}

}  // namespace
}  // namespace riverqueue::core

namespace riverqueue::core {
namespace {

// A large args value the server left out of its row (its digest matched) is
// the client's rendering of what was sent; one it did send is kept as sent.
TEST(InsertBatchLargeArgs, ArgsLeftOutByTheServerAreRendered) {
    const std::string large = R"({"z":")" + std::string(returned_args_digest_bytes, 'x') + R"(","a":1})";
    std::vector<resolved_job> one = {job("big")};
    one[0].args = json_text::borrow(large);
    const batch_plan plan = plan_batch(one);

    std::vector<insert_result> left_out = {row_for(one[0], 1)};
    const auto results = assemble_results(plan, std::move(left_out));
    ASSERT_EQ(results.size(), 1U);
    EXPECT_EQ(results[0].job.args, R"({"a": 1, "z": ")" + std::string(returned_args_digest_bytes, 'x') + "\"}");

    std::vector<insert_result> sent_back = {row_for(one[0], 1)};
    sent_back[0].job.args = R"({"other": true})";  // a duplicate's own args, say
    EXPECT_EQ(assemble_results(plan, std::move(sent_back))[0].job.args, R"({"other": true})");
}

}  // namespace
}  // namespace riverqueue::core
