// The `riverqueue` tool, run as a black box against a real PostgreSQL.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <libpq-fe.h>

#include <riverqueue/time.hpp>
#include <riverqueue/unique_key.hpp>

#include "cli_runner.hpp"
#include "support/test_database.hpp"

namespace riverqueue::testing {
namespace {

namespace json = boost::json;

class cli_test : public ::testing::Test {
protected:
    void SetUp() override {
        admin_ = connection::open(database_url());
        const auto migrated = cli({"migrate", "up"});
        ASSERT_EQ(migrated.status, 0) << migrated.err;
    }

    // Runs the tool against this test's schema.
    cli_result cli(std::vector<std::string> args, const std::string& input = {}) {
        if (args.front() != "unique-key") {
            args.insert(args.end(), {"--database-url", database_url(), "--schema", schema_.name()});
        }
        return run_cli(args, input);
    }

    json::object insert_json(std::vector<std::string> args) {
        args.insert(args.begin(), "insert");
        const auto result = cli(args);
        EXPECT_EQ(result.status, 0) << result.err;
        return json::parse(result.out).as_object();
    }

    std::string scalar(const std::string& sql) {
        PGresult* result = PQexec(admin_.native_handle(), sql.c_str());
        std::string value;
        if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) value = PQgetvalue(result, 0, 0);
        else ADD_FAILURE() << sql << ": " << PQerrorMessage(admin_.native_handle());
        PQclear(result);
        return value;
    }
    std::string jobs() { return "\"" + schema_.name() + "\".river_job"; }
    long job_count() { return std::stol(scalar("SELECT count(*) FROM " + jobs())); }

    scratch_schema schema_;
    connection admin_{nullptr};
};

TEST_F(cli_test, EveryInsertFlagLandsInItsColumn) {
    const auto out = insert_json({"--kind", "cli_kind", "--args", R"({"to":"a@example.com","n":7})", "--queue",
                                  "cli_queue", "--priority", "3", "--max-attempts", "9", "--scheduled-at",
                                  "2031-02-03T04:05:06.5Z", "--tags", "alpha,beta-2", "--metadata", R"({"m":"x"})"});
    const auto& job = out.at("job").as_object();
    EXPECT_FALSE(out.at("unique_skipped_as_duplicated").as_bool());
    const std::string where = " FROM " + jobs() + " WHERE id = " + std::to_string(job.at("id").as_int64());
    EXPECT_EQ(scalar("SELECT kind || '|' || queue || '|' || priority || '|' || max_attempts || '|' || state || '|' ||"
                     " tags::text || '|' || args::text || '|' || metadata::text" + where),
              R"(cli_kind|cli_queue|3|9|scheduled|{alpha,beta-2}|{"n": 7, "to": "a@example.com"}|{"m": "x"})");
    EXPECT_EQ(scalar("SELECT to_char(scheduled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')" + where),
              "2031-02-03 04:05:06.500");
    // The printed row has every column by name.
    for (const char* column : {"id", "args", "attempt", "attempted_at", "attempted_by", "created_at", "errors",
                               "finalized_at", "kind", "max_attempts", "metadata", "priority", "queue", "state",
                               "scheduled_at", "tags", "unique_key", "unique_states"}) {
        EXPECT_TRUE(job.contains(column)) << column;
    }
    EXPECT_EQ(job.at("scheduled_at").as_string(), "2031-02-03T04:05:06.5Z");
    EXPECT_EQ(job.at("args").as_object().at("n").as_int64(), 7);
    EXPECT_TRUE(job.at("unique_key").is_null());
    EXPECT_TRUE(job.at("unique_states").is_null());
}

TEST_F(cli_test, PendingFlag) {
    const auto out = insert_json({"--kind", "k", "--pending"});
    EXPECT_EQ(out.at("job").as_object().at("state").as_string(), "pending");
}

TEST_F(cli_test, DuplicatesReportTheFirstRowsId) {
    const std::vector<std::string> flags = {"--kind",           "k",   "--args", R"({"id":1,"x":"a"})",
                                            "--unique-by-args=id", "--unique-by-queue", "--unique-by-period", "3600",
                                            "--unique-by-state", "available,pending,running,scheduled,completed"};
    const auto first = insert_json(flags);
    auto changed = flags;
    changed[3] = R"({"id":1,"x":"b"})";
    const auto second = insert_json(changed);
    EXPECT_TRUE(second.at("unique_skipped_as_duplicated").as_bool());
    EXPECT_EQ(second.at("job").as_object().at("id"), first.at("job").as_object().at("id"));
    const auto& job = first.at("job").as_object();
    EXPECT_EQ(job.at("unique_key").as_string().size(), 64u);
    EXPECT_EQ(json::serialize(job.at("unique_states")),
              R"(["available","completed","pending","running","scheduled"])");
    EXPECT_EQ(job_count(), 1);
}

TEST_F(cli_test, UniqueKeyMatchesTheLibraryAndIsStableWithNow) {
    const std::vector<std::string> args = {"unique-key", "--kind",           "digest",
                                           "--args",     R"({"b":2,"a":1})", "--unique-by-args",
                                           "--unique-by-period", "86400",    "--now",
                                           "2026-01-02T03:04:05Z"};
    const auto first = run_cli(args);
    ASSERT_EQ(first.status, 0) << first.err;
    EXPECT_EQ(run_cli(args).out, first.out);
    const auto out = json::parse(first.out).as_object();
    const auto expected = compute_unique_key(
        unique_key_input{"digest", R"({"b":2,"a":1})", "default", std::nullopt, *parse_rfc3339("2026-01-02T03:04:05Z")},
        unique_opts{.by_args = unique_by_args_all{}, .by_period = std::chrono::hours(24)});
    EXPECT_EQ(out.at("key").as_string(), expected.key_string);
    EXPECT_EQ(out.at("sha256").as_string(), expected.hex());
    EXPECT_EQ(expected.key_string, R"(&kind=digest&args={"a":1,"b":2}&period=2026-01-02T00:00:00Z)");

    // The key the tool prints is the one stored by an insert of the same job.
    const auto inserted = insert_json({"--kind", "digest", "--args", R"({"b":2,"a":1})", "--unique-by-args"});
    const auto offline = run_cli({"unique-key", "--kind", "digest", "--args", R"({"b":2,"a":1})", "--unique-by-args"});
    EXPECT_EQ(inserted.at("job").as_object().at("unique_key"), json::parse(offline.out).as_object().at("sha256"));
}

TEST_F(cli_test, BadInputExitsTwoNamingTheFieldAndInsertsNothing) {
    struct bad_case {
        std::vector<std::string> args;
        std::string field;
    };
    const std::vector<bad_case> cases = {
        {{"insert", "--kind", "k", "--args", "{\"a\":"}, "args"},
        {{"insert", "--kind", "k", "--args", "[1]"}, "args"},
        {{"insert", "--kind", "k", "--priority", "5"}, "priority"},
        {{"insert", "--kind", "k", "--priority", "high"}, "--priority"},
        {{"insert", "--kind", "k", "--max-attempts", "0", "--priority", "0", "--queue", "Bad Queue"}, "queue"},
        {{"insert", "--kind", "k", "--tags", "ok_tag,x"}, "tags"},
        {{"insert", "--kind", "k", "--metadata", "[]"}, "metadata"},
        {{"insert", "--kind", "k", "--scheduled-at", "tomorrow"}, "scheduled_at"},
        {{"insert", "--kind", "k", "--unique-by-state", "available,nope"}, "unique_opts.by_state"},
        {{"insert", "--kind", "k", "--unique-by-state", "completed"}, "unique_opts.by_state"},
        {{"insert", "--kind", "k", "--unique-by-period", "0.5"}, "unique_opts.by_period"},
        {{"insert", "--kind", "k", "--unique-exclude-kind"}, "unique_opts.exclude_kind"},
        {{"insert", "--args", "{}"}, "--kind"},
    };
    for (const auto& bad : cases) {
        const auto result = cli(bad.args);
        EXPECT_EQ(result.status, 2) << bad.field << ": " << result.err;
        EXPECT_NE(result.err.find(bad.field), std::string::npos) << result.err;
        EXPECT_TRUE(result.out.empty()) << result.out;
    }
    EXPECT_EQ(job_count(), 0);
}

TEST_F(cli_test, DatabaseErrorsExitOneWithSqlstate) {
    const auto result = run_cli({"insert", "--kind", "k", "--database-url", database_url(), "--schema",
                                 "schema_that_does_not_exist"});
    EXPECT_EQ(result.status, 1);
    EXPECT_NE(result.err.find("SQLSTATE 42P01"), std::string::npos) << result.err;
    const auto unreachable = run_cli({"insert", "--kind", "k", "--database-url",
                                      "postgresql:///postgres?host=/nonexistent-riverqueue-dir"});
    EXPECT_EQ(unreachable.status, 1) << unreachable.err;
}

std::string job_lines(int count, int bad_line = 0) {
    std::string text;
    for (int i = 1; i <= count; ++i) {
        if (i == bad_line) text += R"({"kind":"bulk","args":{"n":1},"priority":7})" "\n";
        else text += R"({"kind":"bulk","args":{"n":)" + std::to_string(i) + "}}\n";
    }
    return text;
}

TEST_F(cli_test, InsertManyOfHundredThousandLinesInOneTransaction) {
    for (const bool fast : {false, true}) {
        std::vector<std::string> args = {"insert-many", "-"};
        if (fast) args.push_back("--fast");
        const auto result = cli(args, job_lines(100'000));
        ASSERT_EQ(result.status, 0) << result.err;
        const auto summary = json::parse(result.out).as_object();
        EXPECT_EQ(summary.at("inserted").as_int64(), 100'000);
        EXPECT_EQ(summary.at("duplicates").as_int64(), 0);
        EXPECT_TRUE(summary.contains("seconds") && summary.contains("jobs_per_second"));
    }
    EXPECT_EQ(job_count(), 200'000);
    // One transaction each: two distinct inserting transaction ids.
    EXPECT_EQ(scalar("SELECT count(DISTINCT xmin::text) FROM " + jobs()), "2");
}

TEST_F(cli_test, InsertManyBadLineNearTheEndLeavesNothing) {
    for (const bool fast : {false, true}) {
        std::vector<std::string> args = {"insert-many", "-"};
        if (fast) args.push_back("--fast");
        const auto result = cli(args, job_lines(100'000, 99'990));
        EXPECT_EQ(result.status, 2) << result.err;
        EXPECT_NE(result.err.find("line 99990"), std::string::npos) << result.err;
        EXPECT_NE(result.err.find("priority"), std::string::npos) << result.err;
    }
    const auto not_json = cli({"insert-many", "-"}, job_lines(10) + "{nope\n");
    EXPECT_EQ(not_json.status, 2);
    EXPECT_NE(not_json.err.find("line 11"), std::string::npos) << not_json.err;
    const auto unknown = cli({"insert-many", "-"}, R"({"kind":"k","args":{},"colour":"red"})" "\n");
    EXPECT_EQ(unknown.status, 2);
    EXPECT_NE(unknown.err.find("colour"), std::string::npos) << unknown.err;
    EXPECT_EQ(job_count(), 0);
}

TEST_F(cli_test, InsertManyHonoursEveryFieldAndDeduplicates) {
    const std::string input =
        R"({"kind":"a","args":{"id":1},"queue":"q_one","priority":2,"max_attempts":4,"tags":["t_one"],)"
        R"("metadata":{"k":"v"},"unique_opts":{"by_args":["id"],"by_queue":true}})" "\n"
        R"({"kind":"a","args":{"id":1,"other":true},"queue":"q_one","unique_opts":{"by_args":["id"],"by_queue":true}})" "\n"
        R"({"kind":"b","args":{},"scheduled_at":"2030-01-01T00:00:00Z","pending":true})" "\n";
    const auto result = cli({"insert-many", "-"}, input);
    ASSERT_EQ(result.status, 0) << result.err;
    const auto summary = json::parse(result.out).as_object();
    EXPECT_EQ(summary.at("inserted").as_int64(), 2);
    EXPECT_EQ(summary.at("duplicates").as_int64(), 1);
    EXPECT_EQ(scalar("SELECT queue || priority || max_attempts || tags::text || metadata::text FROM " + jobs() +
                     " WHERE kind = 'a'"),
              R"(q_one24{t_one}{"k": "v"})");
    EXPECT_EQ(scalar("SELECT state FROM " + jobs() + " WHERE kind = 'b'"), "pending");
}

TEST_F(cli_test, MigrateListDownAndTo) {
    auto list = cli({"migrate", "list"});
    ASSERT_EQ(list.status, 0) << list.err;
    EXPECT_NE(list.out.find("8\tapplied"), std::string::npos) << list.out;
    const auto down = cli({"migrate", "down", "--to", "5"});
    ASSERT_EQ(down.status, 0) << down.err;
    EXPECT_NE(down.out.find("8, 7, 6"), std::string::npos) << down.out;
    list = cli({"migrate", "list"});
    EXPECT_NE(list.out.find("5\tapplied"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("6\tnot applied"), std::string::npos) << list.out;
    const auto up = cli({"migrate", "up"});
    EXPECT_NE(up.out.find("6, 7, 8"), std::string::npos) << up.out;
    EXPECT_EQ(cli({"migrate", "sideways"}).status, 2);
}

TEST_F(cli_test, HelpOnEveryCommand) {
    for (const char* command : {"migrate", "insert", "insert-many", "unique-key"}) {
        const auto result = run_cli({command, "--help"});
        EXPECT_EQ(result.status, 0) << command;
        EXPECT_NE(result.out.find("Example"), std::string::npos) << command << ": " << result.out;
    }
}

}  // namespace
}  // namespace riverqueue::testing
