// Every column of an existing row decodes, read back through a duplicate insert.
#include <gtest/gtest.h>

#include <riverqueue/unique_key.hpp>

#include "client_test_support.hpp"

namespace riverqueue::testing {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

TEST_F(client_test, ExistingRowDecodesInFull) {
    auto c = make_client();
    insert_opts opts;
    opts.unique = unique_opts{.by_args = unique_by_args_all{}};  // default states include completed
    opts.tags = std::vector<std::string>{"one", "two"};
    opts.metadata = R"({"k": "v"})";
    const insert_result first = c.insert(dynamic_args{"decode_me", R"({"x": [1, {"y": null}]})", {}}, opts);

    // Make the row look like one River's workers attempted twice and completed.
    admin_.execute("UPDATE " + table("river_job") +
                   " SET state = 'completed', attempt = 2,"
                   " attempted_at = '2030-01-02T03:04:05.123456Z', finalized_at = '2030-01-02T03:04:06Z',"
                   " attempted_by = ARRAY['worker-a', 'worker-b'],"
                   " errors = ARRAY['{\"at\": \"2030-01-02T03:04:00.5Z\", \"attempt\": 1, \"error\": \"boom <&>\","
                   " \"trace\": \"line 1\\nline 2\"}'::jsonb]"
                   " WHERE id = " + std::to_string(first.job.id));

    const insert_result again = c.insert(dynamic_args{"decode_me", R"({"x": [1, {"y": null}]})", {}}, opts);
    ASSERT_TRUE(again.unique_skipped_as_duplicated);
    const job_row& job = again.job;
    EXPECT_EQ(job.id, first.job.id);
    EXPECT_EQ(job.state, job_state::completed);
    EXPECT_EQ(job.attempt, 2);
    ASSERT_TRUE(job.attempted_at);
    EXPECT_EQ(*job.attempted_at, sys_days{2030y / 1 / 2} + 3h + 4min + 5s + 123456us);
    ASSERT_TRUE(job.finalized_at);
    EXPECT_EQ(*job.finalized_at, sys_days{2030y / 1 / 2} + 3h + 4min + 6s);
    EXPECT_EQ(job.attempted_by, (std::vector<std::string>{"worker-a", "worker-b"}));
    ASSERT_EQ(job.errors.size(), 1u);
    EXPECT_EQ(job.errors[0].at, sys_days{2030y / 1 / 2} + 3h + 4min + 500ms);
    EXPECT_EQ(job.errors[0].attempt, 1);
    EXPECT_EQ(job.errors[0].error, "boom <&>");
    EXPECT_EQ(job.errors[0].trace, "line 1\nline 2");
    EXPECT_EQ(job.kind, "decode_me");
    EXPECT_EQ(job.args, R"({"x": [1, {"y": null}]})");
    EXPECT_EQ(job.metadata, R"({"k": "v"})");
    EXPECT_EQ(job.tags, (std::vector<std::string>{"one", "two"}));
    EXPECT_EQ(job.created_at, first.job.created_at);
    EXPECT_EQ(job.scheduled_at, first.job.scheduled_at);
    EXPECT_EQ(job.unique_key, first.job.unique_key);
    EXPECT_EQ(job.unique_states, first.job.unique_states);
    EXPECT_EQ(job.queue, "default");
    EXPECT_EQ(job.priority, 1);
    EXPECT_EQ(job.max_attempts, 25);
}

TEST_F(client_test, RowsDecodeTheSameWhateverTheSessionSettings) {
    // Binary results must not depend on the caller's DateStyle, TimeZone or bytea_output.
    auto c = make_client();
    auto conn = connection::open(database_url());
    conn.execute("SET DateStyle = 'SQL, DMY'; SET TimeZone = 'Asia/Kolkata'; SET bytea_output = 'escape'");
    transaction tx(conn);
    insert_opts opts;
    opts.scheduled_at = sys_days{2031y / 12 / 31} + 23h + 59min + 59s + 999999us;
    opts.unique = unique_opts{.by_queue = true};
    const insert_result result = c.insert_tx(tx, email_args{"tz"}, opts);
    tx.commit();
    EXPECT_EQ(result.job.scheduled_at, *opts.scheduled_at);
    ASSERT_TRUE(result.job.unique_key);
    const auto expected = compute_unique_key(unique_key_input{"email", R"({"to":"tz"})", "default",
                                                              opts.scheduled_at, riverqueue::now()},
                                             *opts.unique);
    EXPECT_EQ(*result.job.unique_key, expected.digest);
}

}  // namespace
}  // namespace riverqueue::testing
