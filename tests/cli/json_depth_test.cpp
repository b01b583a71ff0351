// JSON nested as deep as River Go reads it (core::json::max_nesting_depth,
// Go's encoding/json limit) goes through every entry point of the tool and is
// stored as written; one level more is refused as bad input. Far deeper input
// is in bad_input_test.cpp (deep_json).
#include <riverqueue/unique_key.hpp>

#include "cli_fixture.hpp"
#include "core/json.hpp"

namespace riverqueue::testing {
namespace {

using json_depth_test = migrated_cli_test;
constexpr std::size_t limit = core::json::max_nesting_depth;
const std::string nesting_error = "nesting deeper than " + std::to_string(limit) + " levels";

TEST_F(json_depth_test, InsertTakesArgsAndMetadataAtTheLimit) {
    const std::string deepest = nested_object(limit);
    const auto result = cli({"insert", "--kind", "k", "--args", deepest, "--metadata", deepest, "--unique-by-args"});
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(scalar("SELECT (args = '" + deepest + "'::jsonb AND metadata->'a' = '" + deepest + "'::jsonb->'a')::text"
                     " FROM " + jobs()),
              "true");
    unique_opts opts;
    opts.by_args = unique_by_args_all{};
    EXPECT_EQ(scalar("SELECT encode(unique_key, 'hex') FROM " + jobs()),
              compute_unique_key(unique_key_input{"k", deepest, "default"}, opts).hex());

    for (const char* flag : {"--args", "--metadata"}) {
        const auto one_more = cli({"insert", "--kind", "k", flag, nested_object(limit + 1)});
        EXPECT_EQ(one_more.status, 2) << flag;
        EXPECT_NE(one_more.err.find(nesting_error), std::string::npos) << one_more.err;
    }
    EXPECT_EQ(job_count(), 1);
}

TEST_F(json_depth_test, InsertManyTakesALineAtTheLimitOnBothPaths) {
    // The line's own object is one level: its args can be one level less.
    const std::string deepest_args = nested_object(limit - 1);
    for (const bool fast : {false, true}) {
        std::vector<std::string> command = {"insert-many"};
        if (fast) command.push_back("--fast");
        const auto result = cli(command, R"({"kind":"k","args":)" + deepest_args + R"(,"metadata":)" + deepest_args + "}\n");
        ASSERT_EQ(result.status, 0) << result.err;
        const auto one_more = cli(command, R"({"kind":"k","args":)" + nested_object(limit) + "}\n");
        EXPECT_EQ(one_more.status, 2);
        EXPECT_EQ(one_more.err.rfind("riverqueue: line 1: not valid JSON at column ", 0), 0u) << one_more.err;
        EXPECT_NE(one_more.err.find(nesting_error), std::string::npos) << one_more.err;
    }
    EXPECT_EQ(scalar("SELECT count(*) FROM " + jobs() + " WHERE args = '" + deepest_args + "'::jsonb AND metadata->'a' = '" +
                     deepest_args + "'::jsonb->'a'"),
              "2");
    EXPECT_EQ(job_count(), 2);
}

TEST(json_depth, UniqueKeyTakesArgsAtTheLimit) {
    const std::string deepest = nested_object(limit);
    const auto result =
        run_cli({"unique-key", "--kind", "k", "--args", deepest, "--unique-by-args", "--now", "2026-01-02T03:04:05Z"});
    ASSERT_EQ(result.status, 0) << result.err;
    unique_opts opts;
    opts.by_args = unique_by_args_all{};
    EXPECT_NE(result.out.find(compute_unique_key(unique_key_input{"k", deepest, "default"}, opts).hex()),
              std::string::npos)
        << result.out.substr(0, 200);

    const auto one_more = run_cli({"unique-key", "--kind", "k", "--args", nested_object(limit + 1), "--unique-by-args"});
    EXPECT_EQ(one_more.status, 2);
    EXPECT_NE(one_more.err.find(nesting_error), std::string::npos) << one_more.err;
}

}  // namespace
}  // namespace riverqueue::testing
