// `riverqueue unique-key`: the library's key, offline.
#include <riverqueue/time.hpp>
#include <riverqueue/unique_key.hpp>

#include "cli_fixture.hpp"

namespace riverqueue::testing {
namespace {

namespace json = boost::json;

// Somewhere no database can be: the command must not need one.
const environment_changes no_database = {{"DATABASE_URL", "postgresql:///none?host=/nonexistent-riverqueue-dir"},
                                         {"PGHOST", "/nonexistent-riverqueue-dir"}};

json::object unique_key_json(std::vector<std::string> args) {
    args.insert(args.begin(), "unique-key");
    const auto result = run_cli(args, {}, no_database);
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.err, "");
    return json::parse(result.out).as_object();
}

std::vector<std::string> state_names(std::uint8_t mask) {
    std::vector<std::string> names;
    for (job_state state : all_job_states) {
        if ((mask & (1u << static_cast<unsigned>(state))) != 0) names.emplace_back(to_string(state));
    }
    return names;
}

void expect_matches(const json::object& out, const unique_key& expected, const unique_opts& opts) {
    EXPECT_EQ(out.at("key").as_string(), expected.key_string);
    EXPECT_EQ(out.at("sha256").as_string(), expected.hex());
    std::vector<std::string> printed_states;
    for (const auto& state : out.at("unique_states").as_array()) printed_states.emplace_back(state.as_string());
    EXPECT_EQ(printed_states, state_names(unique_states_bitmask(opts)));
    EXPECT_EQ(out.size(), 3u);
}

TEST(cli_unique_key, DefaultsMatchTheLibrary) {
    const auto out = unique_key_json({"--kind", "digest", "--args", R"({"b":2,"a":1})", "--unique-by-args",
                                      "--unique-by-period", "86400", "--now", "2026-01-02T03:04:05Z"});
    unique_opts opts;
    opts.by_args = unique_by_args_all{};
    opts.by_period = std::chrono::hours(24);
    const auto expected = compute_unique_key(
        unique_key_input{"digest", R"({"b":2,"a":1})", "default", std::nullopt, *parse_rfc3339("2026-01-02T03:04:05Z")},
        opts);
    expect_matches(out, expected, opts);
    EXPECT_EQ(expected.key_string, R"(&kind=digest&args={"a":1,"b":2}&period=2026-01-02T00:00:00Z)");
}

TEST(cli_unique_key, EveryUniqueFlagMatchesTheLibrary) {
    const std::string args = R"({"customer":{"id":7},"amount":99999999999999999999,"other":"x"})";
    const auto out = unique_key_json({"--kind", "invoice", "--args", args, "--queue", "billing", "--scheduled-at",
                                      "2026-03-04T05:06:07Z", "--unique-by-args=customer.id,amount",
                                      "--unique-by-period", "3600", "--unique-by-queue", "--unique-by-state",
                                      "available,pending,running,scheduled,cancelled", "--unique-exclude-kind",
                                      "--now", "2020-01-01T00:00:00Z"});
    unique_opts opts;
    opts.by_args = std::vector<std::string>{"customer.id", "amount"};
    opts.by_period = std::chrono::hours(1);
    opts.by_queue = true;
    opts.by_state = {job_state::available, job_state::pending, job_state::running, job_state::scheduled,
                     job_state::cancelled};
    opts.exclude_kind = true;
    const auto expected = compute_unique_key(unique_key_input{"invoice", args, "billing",
                                                              parse_rfc3339("2026-03-04T05:06:07Z"),
                                                              *parse_rfc3339("2020-01-01T00:00:00Z")},
                                             opts);
    expect_matches(out, expected, opts);
    // The amount keeps its text (a double would not); the period counts from scheduled_at, not --now.
    EXPECT_NE(expected.key_string.find("99999999999999999999"), std::string::npos) << expected.key_string;
    EXPECT_NE(expected.key_string.find("2026-03-04T05:00:00Z"), std::string::npos) << expected.key_string;
}

TEST(cli_unique_key, StableWithNowWithinOnePeriod) {
    const auto at = [](const std::string& now) {
        return unique_key_json({"--kind", "digest", "--args", "{}", "--unique-by-period", "3600", "--now", now})
            .at("sha256");
    };
    EXPECT_EQ(at("2026-01-02T03:04:05Z"), at("2026-01-02T03:04:05Z"));
    EXPECT_EQ(at("2026-01-02T03:00:00Z"), at("2026-01-02T03:59:59.999Z"));
    EXPECT_EQ(at("2026-01-02T03:30:00Z"), at("2026-01-02T04:30:00+01:00"));
    EXPECT_NE(at("2026-01-02T03:59:59Z"), at("2026-01-02T04:00:00Z"));
}

using unique_key_insert_test = migrated_cli_test;

TEST_F(unique_key_insert_test, PrintsTheKeyAnInsertStores) {
    const std::vector<std::string> job = {"--kind", "digest", "--args", R"({"b":2,"a":[1.0,"\u00e9"]})",
                                          "--unique-by-args", "--unique-by-queue", "--queue", "q"};
    const auto inserted = insert_json(job);
    auto offline_args = job;
    offline_args.insert(offline_args.begin(), "unique-key");
    const auto offline = run_cli(offline_args, {}, no_database);
    ASSERT_EQ(offline.status, 0) << offline.err;
    const auto printed = json::parse(offline.out).as_object();
    EXPECT_EQ(inserted.at("job").as_object().at("unique_key"), printed.at("sha256"));
    EXPECT_EQ(inserted.at("job").as_object().at("unique_states"), printed.at("unique_states"));
}

}  // namespace
}  // namespace riverqueue::testing
