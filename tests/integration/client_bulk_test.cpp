// The COPY fast path and streamed batches.
#include <gtest/gtest.h>

#include <riverqueue/errors.hpp>

#include "client_test_support.hpp"

namespace riverqueue::testing {
namespace {

using namespace std::chrono_literals;

insert_many_params numbered(int n, insert_opts opts = {}) {
    return {dynamic_args{"bulk", R"({"n":)" + std::to_string(n) + "}", {}}, std::move(opts)};
}

insert_opts unique_by_args() {
    insert_opts opts;
    opts.unique = unique_opts{.by_args = unique_by_args_all{}};
    return opts;
}

// Generates `count` jobs; job `bad_at` (if any) has an invalid priority.
job_generator counting_generator(int count, int bad_at = -1) {
    return [i = 0, count, bad_at]() mutable -> std::optional<insert_many_params> {
        if (i >= count) return std::nullopt;
        insert_opts opts;
        if (i == bad_at) opts.priority = 9;
        return numbered(i++, opts);
    };
}

TEST_F(client_test, FastPathCopiesEveryColumn) {
    auto c = make_client();
    insert_opts opts;
    opts.queue = "bulk_queue";
    opts.priority = 3;
    opts.max_attempts = 4;
    opts.tags = std::vector<std::string>{"NULL", "tag-two"};
    opts.metadata = R"({"tab": "a\tb", "backslash": "c\\d"})";
    opts.scheduled_at = std::chrono::sys_days{std::chrono::year{2032} / 2 / 3} + 4h + 5us;
    std::vector<insert_many_params> jobs = {numbered(1, opts), numbered(2)};
    jobs[1].args.json = R"({"text": "line\nbreak \\ tab\t é"})";
    EXPECT_EQ(c.insert_many_fast(jobs), 2u);
    const std::string first = " FROM " + table("river_job") + " WHERE args->>'n' = '1'";
    EXPECT_EQ(scalar("SELECT queue || ',' || priority || ',' || max_attempts || ',' || state || ',' || tags::text" +
                     first),
              "bulk_queue,3,4,scheduled,{\"NULL\",tag-two}");
    EXPECT_EQ(scalar("SELECT array_position(tags, NULL) IS NULL" + first), "t");
    EXPECT_EQ(scalar("SELECT metadata::text" + first), R"({"tab": "a\tb", "backslash": "c\\d"})");
    EXPECT_EQ(scalar("SELECT to_char(scheduled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')" + first),
              "2032-02-03 04:00:00.000005");
    EXPECT_EQ(scalar("SELECT args->>'text' FROM " + table("river_job") + " WHERE args ? 'text'"),
              "line\nbreak \\ tab\t é");
    EXPECT_EQ(scalar("SELECT count(*) FROM " + table("river_job") +
                     " WHERE unique_key IS NULL AND attempt = 0 AND errors IS NULL"),
              "2");
}

// The driver hands libpq a large COPY row in slices (so that libpq's send
// buffer stays small): slices break inside the row, with escapes spread over
// the slice edges, and the row arrives whole.
TEST_F(client_test, FastPathSendsARowLargerThanOneSliceWhole) {
    auto c = make_client();
    std::string text;
    for (int i = 0; i < 400000; ++i) text += R"(a\\tb\n)";  // JSON escapes, which COPY escapes again
    const std::string args = R"({"blob":")" + text + R"(","n":7})";
    ASSERT_GT(args.size(), std::size_t{2} << 20);
    std::vector<insert_many_params> jobs = {numbered(1), {dynamic_args{"large_copy", args, {}}, {}}, numbered(3)};
    EXPECT_EQ(c.insert_many_fast(jobs), 3u);
    // Each piece is a, backslash, t, b, newline once decoded.
    EXPECT_EQ(scalar(R"(SELECT args->>'blob' = repeat(E'a\\tb\n', 400000) AND (args->>'n')::int = 7 FROM )" +
                     table("river_job") + " WHERE kind = 'large_copy'"),
              "t");
    EXPECT_EQ(scalar("SELECT count(*) FROM " + table("river_job")), "3");
}

TEST_F(client_test, FastPathDeduplicatesUniqueJobsInsteadOfFailing) {
    auto c = make_client();
    c.insert(numbered(1).args, unique_by_args());  // already stored
    std::vector<insert_many_params> jobs = {numbered(1, unique_by_args()), numbered(2, unique_by_args()),
                                            numbered(2, unique_by_args()), numbered(3), numbered(3)};
    EXPECT_EQ(c.insert_many_fast(jobs), 3u);  // job 2 once, job 3 twice (not unique)
    EXPECT_EQ(job_count(), 4);
    EXPECT_EQ(scalar("SELECT count(*) FROM " + table("river_job") + " WHERE args->>'n' = '2'"), "1");
}

TEST_F(client_test, FastPathIsAllOrNothing) {
    auto c = make_client();
    std::vector<insert_many_params> jobs;
    for (int i = 0; i < 1000; ++i) jobs.push_back(numbered(i));
    jobs[999].opts.queue = "NOT VALID";
    EXPECT_THROW(c.insert_many_fast(jobs), validation_error);
    EXPECT_EQ(job_count(), 0);

    // A failure inside PostgreSQL, after rows were already sent through COPY.
    admin_.execute("ALTER TABLE " + table("river_job") + " ADD CONSTRAINT no_700 CHECK (args->>'n' <> '700')");
    jobs[999].opts.queue.reset();
    EXPECT_THROW(c.insert_many_fast(jobs), database_error);
    EXPECT_EQ(job_count(), 0);
}

TEST_F(client_test, StreamedFastPathRollsBackWhenALateJobIsInvalid) {
    auto c = make_client();
    // 50,000 jobs: several COPY flushes happen before the bad job is seen.
    try {
        c.insert_many_fast(counting_generator(50'000, 49'990));
        FAIL() << "expected a validation_error";
    } catch (const validation_error& e) {
        EXPECT_EQ(e.field(), "jobs[49990].priority");
    }
    EXPECT_EQ(job_count(), 0);
    EXPECT_EQ(c.insert_many_fast(counting_generator(50'000)), 50'000u);
    EXPECT_EQ(job_count(), 50'000);
}

TEST_F(client_test, FastPathInCallersTransactionRollsBack) {
    auto c = make_client();
    auto conn = connection::open(database_url());
    {
        transaction tx(conn);
        std::vector<insert_many_params> jobs = {numbered(1), numbered(2, unique_by_args())};
        EXPECT_EQ(c.insert_many_fast_tx(tx.native_handle(), jobs), 2u);
        tx.rollback();
    }
    EXPECT_EQ(job_count(), 0);
}

// A batch that fails midway inside the caller's transaction (after COPY
// flushes and unique chunks went out) leaves nothing of itself and the
// caller's transaction usable: its own writes and a later batch commit.
TEST_F(client_test, AFailedStreamedOrFastBatchLeavesTheCallersTransactionUsable) {
    auto c = make_client();
    auto conn = connection::open(database_url());
    conn.execute("CREATE TABLE " + table("orders") + " (id int)");
    transaction tx(conn);
    conn.execute("INSERT INTO " + table("orders") + " VALUES (1)");
    EXPECT_THROW(c.insert_many_fast_tx(tx, counting_generator(20'000, 19'990)), validation_error);
    EXPECT_THROW(c.insert_many_tx(tx, counting_generator(12'000, 11'000), {}), validation_error);
    EXPECT_NO_THROW(conn.execute("SELECT 1"));  // an aborted transaction would refuse it (25P02)
    std::vector<insert_many_params> jobs = {numbered(1), numbered(2, unique_by_args())};
    EXPECT_EQ(c.insert_many_fast_tx(tx, jobs), 2u);
    tx.commit();
    EXPECT_EQ(job_count(), 2);
    EXPECT_EQ(scalar("SELECT count(*) FROM " + table("orders")), "1");
}

TEST_F(client_test, StreamedInsertManyCrossesChunksAndReportsEveryRow) {
    auto c = make_client();
    constexpr int count = 12'000;  // more than one chunk
    std::vector<insert_many_params> jobs;
    for (int i = 0; i < count; ++i) jobs.push_back(numbered(i % 11'000, unique_by_args()));
    std::vector<std::int64_t> ids(count, 0);
    std::vector<bool> duplicate(count, false);
    std::size_t calls = 0;
    const insert_many_summary summary =
        c.insert_many(generate_from(jobs), [&](std::size_t index, const insert_result& result) {
            ASSERT_LT(index, ids.size());
            EXPECT_EQ(index, calls++);
            ids[index] = result.job.id;
            duplicate[index] = result.unique_skipped_as_duplicated;
        });
    EXPECT_EQ(summary.jobs, static_cast<std::size_t>(count));
    EXPECT_EQ(summary.inserted, 11'000u);
    EXPECT_EQ(summary.duplicates, 1'000u);
    // Job 11,000 repeats job 0, which was sent in an earlier chunk.
    EXPECT_TRUE(duplicate[11'000]);
    EXPECT_EQ(ids[11'000], ids[0]);
    EXPECT_FALSE(duplicate[10'999]);
    EXPECT_EQ(job_count(), 11'000);
}

TEST_F(client_test, StreamedInsertManyIsAllOrNothing) {
    auto c = make_client();
    EXPECT_THROW(c.insert_many(counting_generator(12'000, 11'999), {}), validation_error);
    EXPECT_EQ(job_count(), 0);
}

}  // namespace
}  // namespace riverqueue::testing

namespace riverqueue::testing {
namespace {

TEST_F(client_test, FastPathLeavesDefaultColumnsToTheServerAcrossChunks) {
    auto c = make_client();
    // Default jobs, then jobs needing more columns, then default ones again,
    // each run longer than one COPY chunk.
    std::vector<insert_many_params> jobs;
    insert_opts other;
    other.queue = "other";
    other.priority = 2;
    other.tags = std::vector<std::string>{"tagged"};
    for (int i = 0; i < 15'000; ++i) {
        const bool in_other = i >= 5'000 && i < 10'000;
        jobs.push_back({dynamic_args{"bulk", R"({"n":)" + std::to_string(i) + "}", {}}, in_other ? other : insert_opts{}});
    }
    EXPECT_EQ(c.insert_many_fast(jobs), 15'000u);
    EXPECT_EQ(scalar("SELECT count(*) FROM " + table("river_job") +
                     " WHERE queue = 'default' AND priority = 1 AND max_attempts = 25 AND tags = '{}' AND state = "
                     "'available' AND metadata = '{}'"),
              "10000");
    EXPECT_EQ(scalar("SELECT count(*) FROM " + table("river_job") +
                     " WHERE queue = 'other' AND priority = 2 AND tags = '{tagged}'"),
              "5000");
    EXPECT_EQ(scalar("SELECT count(*) FROM " + table("river_job") +
                     " WHERE created_at IS NOT NULL AND scheduled_at = created_at"),
              "15000");
}

}  // namespace
}  // namespace riverqueue::testing
