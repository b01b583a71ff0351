// `riverqueue insert-many`: JSON Lines in one transaction, on both paths.
#include <cstdio>
#include <fstream>

#include <riverqueue/unique_key.hpp>

#include "cli_fixture.hpp"

namespace riverqueue::testing {
namespace {

namespace json = boost::json;
using insert_many_test = migrated_cli_test;

// Each behaviour holds on the default path and with --fast (COPY).
class insert_many_path_test : public migrated_cli_test, public ::testing::WithParamInterface<bool> {
protected:
    std::vector<std::string> command() const {
        std::vector<std::string> args = {"insert-many", "-"};
        if (GetParam()) args.push_back("--fast");
        return args;
    }
};

INSTANTIATE_TEST_SUITE_P(paths, insert_many_path_test, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& case_info) { return case_info.param ? "fast" : "standard"; });

TEST_P(insert_many_path_test, HundredThousandLinesInOneTransaction) {
    const auto result = cli(command(), job_lines(100'000));
    ASSERT_EQ(result.status, 0) << result.err;
    const auto summary = json::parse(result.out).as_object();
    EXPECT_EQ(summary.at("inserted").as_int64(), 100'000);
    EXPECT_EQ(summary.at("duplicates").as_int64(), 0);
    EXPECT_TRUE(summary.at("seconds").is_number());
    EXPECT_TRUE(summary.at("jobs_per_second").is_number());
    EXPECT_EQ(summary.size(), 4u) << result.out;
    // No progress line when stderr is not a terminal.
    EXPECT_EQ(result.err, "");
    EXPECT_EQ(job_count(), 100'000);
    // Every row was written by the same transaction.
    EXPECT_EQ(scalar("SELECT count(DISTINCT xmin::text) FROM " + jobs()), "1");
    EXPECT_EQ(scalar("SELECT count(DISTINCT args->>'n') FROM " + jobs()), "100000");
}

TEST_P(insert_many_path_test, BadLineNearTheEndLeavesNothing) {
    const auto result = cli(command(), job_lines(100'000, 99'990));
    EXPECT_EQ(result.status, 2) << result.err;
    EXPECT_EQ(result.err, "riverqueue: line 99990: priority: must be between 1 and 4\n");
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(job_count(), 0);
}

TEST_P(insert_many_path_test, UnparsableLineNearTheEndLeavesNothing) {
    const auto result = cli(command(), job_lines(99'999) + "{\"kind\":\"bulk\",\"args\":{\"n\":1}\n");
    EXPECT_EQ(result.status, 2) << result.err;
    EXPECT_EQ(result.err.rfind("riverqueue: line 100000: not valid JSON", 0), 0u) << result.err;
    EXPECT_EQ(job_count(), 0);
}

TEST_P(insert_many_path_test, ARejectedJobEndsTheCommandWhileItsWriterStalls) {
    // The library rejects line 3; the producer feeding the pipe then keeps it
    // open and sends nothing more. The command must not wait for it.
    const auto result = cli_on_stalled_pipe(command(), job_lines(3, 3));
    EXPECT_EQ(result.status, 2) << "-1: killed at the deadline, still waiting for input\n" << result.err;
    EXPECT_EQ(result.err, "riverqueue: line 3: priority: must be between 1 and 4\n");
    EXPECT_EQ(job_count(), 0);
}

TEST_P(insert_many_path_test, JobsReachTheLibraryAsTheyArriveOnAPipe) {
    // Fewer jobs than the reader's chunk, then a stall: the bad job at line 2
    // is seen, so those before it were handed on without waiting for more.
    const auto result = cli_on_stalled_pipe(command(), "\n" + job_lines(2, 2));
    EXPECT_EQ(result.status, 2) << result.err;
    EXPECT_EQ(result.err, "riverqueue: line 3: priority: must be between 1 and 4\n");
}

TEST_P(insert_many_path_test, DuplicatesAreCountedNotInserted) {
    const std::string unique = R"("unique_opts":{"by_args":["id"],"by_queue":true})";
    const std::string input = R"({"kind":"a","args":{"id":1},"queue":"q_one",)" + unique + "}\n" +
                              R"({"kind":"a","args":{"id":1,"other":true},"queue":"q_one",)" + unique + "}\n" +
                              R"({"kind":"a","args":{"id":1},"queue":"q_two",)" + unique + "}\n" +
                              R"({"kind":"a","args":{"id":1}})" "\n";
    const auto result = cli(command(), input);
    ASSERT_EQ(result.status, 0) << result.err;
    const auto summary = json::parse(result.out).as_object();
    EXPECT_EQ(summary.at("inserted").as_int64(), 3);
    EXPECT_EQ(summary.at("duplicates").as_int64(), 1);
    EXPECT_EQ(job_count(), 3);
}

TEST_F(insert_many_test, EveryFieldLandsInItsColumn) {
    const std::string input =
        R"({"kind":"a","args":{"id":1},"queue":"q_one","priority":2,"max_attempts":4,"tags":["t_one","t_two"],)"
        R"("metadata":{"k":"v"},"scheduled_at":"2030-01-01T00:00:00.25Z"})" "\n"
        R"({"kind":"b","args":{},"pending":true,"queue":null})" "\n"
        R"({"kind":"c","args":{"id":2},"unique_opts":{"by_args":true,"by_period":3600,"by_state":)"
        R"(["available","pending","running","scheduled"],"exclude_kind":true}})" "\n";
    const auto result = cli({"insert-many"}, input);
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(scalar("SELECT queue || '|' || priority || '|' || max_attempts || '|' || tags::text || '|' || "
                     "metadata::text || '|' || state || '|' || "
                     "to_char(scheduled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') FROM " +
                     jobs() + " WHERE kind = 'a'"),
              R"(q_one|2|4|{t_one,t_two}|{"k": "v"}|scheduled|2030-01-01 00:00:00.250)");
    EXPECT_EQ(scalar("SELECT state || '|' || queue FROM " + jobs() + " WHERE kind = 'b'"), "pending|default");
    EXPECT_EQ(scalar("SELECT unique_states::text FROM " + jobs() + " WHERE kind = 'c'"), "11010001");
    EXPECT_EQ(scalar("SELECT (unique_key IS NOT NULL)::text FROM " + jobs() + " WHERE kind = 'c'"), "true");
}

TEST_F(insert_many_test, ZeroAndEmptyMeanTheDefaultAsInRiversInsertOpts) {
    // Lines are the library's insert params, where River Go's zero values ask
    // for the default (docs/cli.md); the flags refuse them (bad_input_test.cpp).
    const auto result = cli({"insert-many"}, R"({"kind":"k","args":{},"priority":0,"max_attempts":0,"queue":""})" "\n");
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(scalar("SELECT priority || '|' || max_attempts || '|' || queue FROM " + jobs()), "1|25|default");
}

TEST_F(insert_many_test, ArgsReachTheUniqueKeyAsWritten) {
    // Number text is part of River's unique key: a DOM round trip would write
    // these as 0 and 1E20.
    const std::string args = R"({"amount":-0,"big":99999999999999999999,"name":"\u003cb\u003e"})";
    const auto result =
        cli({"insert-many"}, R"({"kind":"money","args":)" + args + R"(,"unique_opts":{"by_args":true}})" "\n");
    ASSERT_EQ(result.status, 0) << result.err;
    unique_opts opts;
    opts.by_args = unique_by_args_all{};
    const auto expected = compute_unique_key(unique_key_input{"money", args, "default"}, opts);
    const auto reserialized =
        compute_unique_key(unique_key_input{"money", json::serialize(json::parse(args)), "default"}, opts);
    ASSERT_NE(expected.hex(), reserialized.hex()) << "the case no longer tells raw text from a round trip";
    EXPECT_EQ(scalar("SELECT encode(unique_key, 'hex') FROM " + jobs()), expected.hex());
}

TEST_F(insert_many_test, ReadsAFileNamedOnTheCommandLine) {
    const std::string path = "/tmp/riverqueue-cli-" + schema_.name() + ".jsonl";
    std::ofstream(path) << job_lines(3);
    const auto result = cli({"insert-many", path});
    std::remove(path.c_str());
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(json::parse(result.out).as_object().at("inserted").as_int64(), 3);
    EXPECT_EQ(job_count(), 3);

    const auto missing = cli({"insert-many", path});
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find(path), std::string::npos) << missing.err;
}

TEST_F(insert_many_test, AFileThatCannotBeReadIsNamed) {
    const auto missing = cli({"insert-many", "/nonexistent/jobs.jsonl"});
    EXPECT_EQ(missing.status, 2);
    EXPECT_EQ(missing.err, "riverqueue: file: cannot read \"/nonexistent/jobs.jsonl\": No such file or directory\n");
    const auto directory = cli({"insert-many", "/tmp"});
    EXPECT_EQ(directory.status, 2);
    EXPECT_EQ(directory.err, "riverqueue: input: read error after line 0: Is a directory\n");
    EXPECT_EQ(job_count(), 0);
}

TEST_F(insert_many_test, EmptyInputInsertsNothingAndSucceeds) {
    const auto result = cli({"insert-many"}, "\n\n");
    ASSERT_EQ(result.status, 0) << result.err;
    const auto summary = json::parse(result.out).as_object();
    EXPECT_EQ(summary.at("inserted").as_int64(), 0);
    EXPECT_EQ(summary.at("duplicates").as_int64(), 0);
    EXPECT_EQ(job_count(), 0);
}

TEST_F(insert_many_test, LineNumbersCountBlankLines) {
    // The library names the job by its index (2); the tool names its line (7).
    const std::string input = "\n" + job_lines(1) + "\r\n\n" + job_lines(1) + "   \n" + job_lines(1, 1);
    const auto result = cli({"insert-many"}, input);
    EXPECT_EQ(result.status, 2);
    EXPECT_EQ(result.err, "riverqueue: line 7: priority: must be between 1 and 4\n");
    EXPECT_EQ(job_count(), 0);
}

}  // namespace
}  // namespace riverqueue::testing
