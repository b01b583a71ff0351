// `riverqueue insert`: flags to columns, the printed row, duplicates, notifications.
#include <set>

#include <riverqueue/time.hpp>
#include <riverqueue/unique_key.hpp>

#include "cli_fixture.hpp"
#include "support/notification_listener.hpp"

namespace riverqueue::testing {
namespace {

namespace json = boost::json;
using insert_test = migrated_cli_test;

TEST_F(insert_test, EveryJobFlagLandsInItsColumn) {
    const auto out = insert_json({"--kind", "cli_kind", "--args", R"({"to":"a@example.com","n":7})", "--queue",
                                  "cli_queue", "--priority", "3", "--max-attempts", "9", "--scheduled-at",
                                  "2031-02-03T04:05:06.5+01:00", "--tags", "alpha,beta-2", "--metadata", R"({"m":"x"})"});
    const auto& job = out.at("job").as_object();
    EXPECT_FALSE(out.at("unique_skipped_as_duplicated").as_bool());
    const std::string where = " FROM " + jobs() + " WHERE id = " + std::to_string(job.at("id").as_int64());
    EXPECT_EQ(scalar("SELECT kind || '|' || queue || '|' || priority || '|' || max_attempts || '|' || state || '|' ||"
                     " tags::text || '|' || args::text || '|' || metadata::text" + where),
              R"(cli_kind|cli_queue|3|9|scheduled|{alpha,beta-2}|{"n": 7, "to": "a@example.com"}|{"m": "x"})");
    EXPECT_EQ(scalar("SELECT to_char(scheduled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')" + where),
              "2031-02-03 03:05:06.500");
}

TEST_F(insert_test, PrintsEveryColumnByNameInUtc) {
    const auto out = insert_json({"--kind", "k", "--args", R"({"n":7,"s":"é"})", "--scheduled-at",
                                  "2031-02-03T04:05:06.5+01:00", "--metadata", R"({"m":[1]})"});
    const auto& job = out.at("job").as_object();
    for (const char* column : {"id", "args", "attempt", "attempted_at", "attempted_by", "created_at", "errors",
                               "finalized_at", "kind", "max_attempts", "metadata", "priority", "queue", "state",
                               "scheduled_at", "tags", "unique_key", "unique_states"}) {
        EXPECT_TRUE(job.contains(column)) << column;
    }
    EXPECT_EQ(job.size(), 18u) << json::serialize(job);
    EXPECT_EQ(job.at("scheduled_at").as_string(), "2031-02-03T03:05:06.5Z");
    const std::string created(job.at("created_at").as_string());
    EXPECT_TRUE(parse_rfc3339(created).has_value()) << created;
    EXPECT_EQ(created.back(), 'Z');
    // args and metadata are objects, not strings holding JSON.
    EXPECT_EQ(job.at("args").as_object().at("n").as_int64(), 7);
    EXPECT_EQ(job.at("args").as_object().at("s").as_string(), "é");
    EXPECT_EQ(job.at("metadata").as_object().at("m").as_array().size(), 1u);
    EXPECT_EQ(job.at("attempt").as_int64(), 0);
    EXPECT_EQ(job.at("max_attempts").as_int64(), 25);
    EXPECT_EQ(job.at("queue").as_string(), "default");
    EXPECT_TRUE(job.at("attempted_at").is_null());
    EXPECT_TRUE(job.at("finalized_at").is_null());
    EXPECT_TRUE(job.at("unique_key").is_null());
    EXPECT_TRUE(job.at("unique_states").is_null());
}

// Dates River Go stores, at and beyond the ends of 64-bit nanoseconds since
// 1970 (which once wrapped: 9999-12-31 was stored as 1816-03-30): stored and
// printed as given, by insert, insert-many and insert-many --fast alike.
TEST_F(insert_test, ScheduledAtOverRiversWholeRange) {
    const std::string stored_as = "SELECT to_char(scheduled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
    for (const std::string at : {"0001-01-01T00:00:00Z", "1500-06-15T12:00:00Z", "1677-09-21T00:12:43Z",
                                 "2262-04-11T23:47:17Z", "2300-01-01T00:00:00Z", "9999-12-31T23:59:59Z"}) {
        SCOPED_TRACE(at);
        const auto out = insert_json({"--kind", "k", "--scheduled-at", at});
        const auto& job = out.at("job").as_object();
        EXPECT_EQ(job.at("scheduled_at").as_string(), at);
        EXPECT_EQ(scalar(stored_as + " FROM " + jobs() + " WHERE id = " + std::to_string(job.at("id").as_int64())), at);

        const std::string line = R"({"kind":"many","args":{},"scheduled_at":")" + at + "\"}\n";
        for (const std::vector<std::string>& command :
             {std::vector<std::string>{"insert-many"}, std::vector<std::string>{"insert-many", "--fast"}}) {
            ASSERT_EQ(cli(command, line).status, 0);
            EXPECT_EQ(scalar(stored_as + " FROM " + jobs() + " WHERE kind = 'many'"), at);
            scalar("DELETE FROM " + jobs() + " WHERE kind = 'many' RETURNING 1");
        }
    }
}

TEST_F(insert_test, PendingFlag) {
    const auto out = insert_json({"--kind", "k", "--pending"});
    EXPECT_EQ(out.at("job").as_object().at("state").as_string(), "pending");
}

TEST_F(insert_test, UniqueFlagsLandInTheUniqueColumns) {
    const auto out = insert_json({"--kind", "report", "--args", R"({"customer":{"id":7},"page":2})", "--queue",
                                  "reports", "--unique-by-args=customer.id", "--unique-by-queue", "--unique-by-state",
                                  "available,pending,running,scheduled,cancelled"});
    const auto& job = out.at("job").as_object();
    unique_opts opts;
    opts.by_args = std::vector<std::string>{"customer.id"};
    opts.by_queue = true;
    opts.by_state = {job_state::available, job_state::pending, job_state::running, job_state::scheduled,
                     job_state::cancelled};
    const auto expected =
        compute_unique_key(unique_key_input{"report", R"({"customer":{"id":7},"page":2})", "reports"}, opts);
    EXPECT_EQ(job.at("unique_key").as_string(), expected.hex());
    EXPECT_EQ(json::serialize(job.at("unique_states")), R"(["available","cancelled","pending","running","scheduled"])");
    const std::string where = " FROM " + jobs() + " WHERE id = " + std::to_string(job.at("id").as_int64());
    EXPECT_EQ(scalar("SELECT encode(unique_key, 'hex')" + where), expected.hex());
    EXPECT_EQ(scalar("SELECT unique_states::text" + where), "11010011");  // River's bit order: scheduled first
}

TEST_F(insert_test, DuplicatesReportTheFirstRowsId) {
    const std::vector<std::string> flags = {"--kind",           "k",   "--args", R"({"id":1,"x":"a"})",
                                            "--unique-by-args=id", "--unique-by-period", "3600"};
    const auto first = insert_json(flags);
    auto changed = flags;
    changed[3] = R"({"id":1,"x":"b"})";
    const auto second = insert_json(changed);
    EXPECT_FALSE(first.at("unique_skipped_as_duplicated").as_bool());
    EXPECT_TRUE(second.at("unique_skipped_as_duplicated").as_bool());
    EXPECT_EQ(second.at("job").as_object().at("id"), first.at("job").as_object().at("id"));
    EXPECT_EQ(second.at("job").as_object().at("args"), first.at("job").as_object().at("args"));
    EXPECT_EQ(job_count(), 1);
}

// Notifications arrive in commit order, so once the notifying insert's has
// arrived, one from the earlier --no-notify insert would have too.
std::multiset<std::string> payloads_until(notification_listener& listening, const std::string& last) {
    std::multiset<std::string> payloads;
    for (int attempt = 0; attempt < 100 && payloads.count(last) == 0; ++attempt) {
        for (const auto& [channel, payload] : listening.drain(std::chrono::milliseconds(100))) {
            payloads.insert(payload);
        }
    }
    return payloads;
}

TEST_F(insert_test, NoNotifySendsNoNotification) {
    notification_listener listening(schema_.name() + ".river_insert");
    ASSERT_EQ(cli({"insert", "--kind", "k", "--queue", "quiet", "--no-notify"}).status, 0);
    ASSERT_EQ(cli({"insert-many", "--no-notify"}, R"({"kind":"k","args":{},"queue":"quiet_many"})" "\n").status, 0);
    ASSERT_EQ(cli({"insert", "--kind", "k", "--queue", "loud"}).status, 0);
    const std::string loud = R"({"queue": "loud"})";
    EXPECT_EQ(payloads_until(listening, loud), std::multiset<std::string>{loud});
}

TEST_F(insert_test, InsertManyNotifiesByDefault) {
    notification_listener listening(schema_.name() + ".river_insert");
    ASSERT_EQ(cli({"insert-many"}, R"({"kind":"k","args":{},"queue":"many"})" "\n").status, 0);
    const std::string many = R"({"queue": "many"})";
    EXPECT_EQ(payloads_until(listening, many), std::multiset<std::string>{many});
}

}  // namespace
}  // namespace riverqueue::testing

namespace riverqueue::testing {
namespace {

using legacy_insert_test = cli_test;

// A schema at version 5 (River 0.11): unique jobs go through River 0.11's
// paths; --advisory-lock-prefix feeds the advisory path's lock.
TEST_F(legacy_insert_test, OldSchemaUniqueInsertsWithAnAdvisoryLockPrefix) {
    ASSERT_EQ(cli({"migrate", "up", "--to", "5"}).status, 0);
    const std::vector<std::string> fast = {"--kind", "k", "--args", R"({"a":1})", "--unique-by-args"};
    const auto first = insert_json(fast);
    EXPECT_FALSE(first.at("unique_skipped_as_duplicated").as_bool());
    EXPECT_FALSE(first.at("job").as_object().at("unique_key").is_null());
    EXPECT_TRUE(insert_json(fast).at("unique_skipped_as_duplicated").as_bool());
    std::vector<std::string> advisory = {"--kind", "k", "--args", R"({"a":2})", "--unique-by-args",
                                         "--unique-by-state", "available,pending,running,scheduled",
                                         "--advisory-lock-prefix", "-559038737"};
    const auto second = insert_json(advisory);
    EXPECT_FALSE(second.at("unique_skipped_as_duplicated").as_bool());
    EXPECT_TRUE(second.at("job").as_object().at("unique_key").is_null());
    EXPECT_TRUE(insert_json(advisory).at("unique_skipped_as_duplicated").as_bool());
    EXPECT_EQ(job_count(), 2);
    EXPECT_EQ(cli({"insert", "--kind", "k", "--advisory-lock-prefix", "4294967296"}).status, 2);
}

}  // namespace
}  // namespace riverqueue::testing
