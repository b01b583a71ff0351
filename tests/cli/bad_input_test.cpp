// Bad input: exit status 2, one line on stderr naming the field (and for
// insert-many the line), in the project's words, nothing on stdout, and no rows.
#include <algorithm>

#include "core/json.hpp"

#include "cli_fixture.hpp"

namespace riverqueue::testing {
namespace {

struct bad_input {
    std::string name;
    std::vector<std::string> args;
    std::string input;                 // standard input (insert-many)
    std::vector<std::string> mentions;  // what the one line on stderr must name
    bool offline = false;             // unique-key takes no connection flags
};

void PrintTo(const bad_input& bad, std::ostream* out) { *out << bad.name; }

class bad_input_test : public migrated_cli_test, public ::testing::WithParamInterface<bad_input> {};

TEST_P(bad_input_test, ExitsTwoNamingTheFieldAndInsertsNothing) {
    const bad_input& bad = GetParam();
    const auto result = bad.offline ? run_cli(bad.args, bad.input) : cli(bad.args, bad.input);
    EXPECT_EQ(result.status, 2) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_EQ(result.err.rfind("riverqueue: ", 0), 0u) << result.err;
    for (const auto& mention : bad.mentions) EXPECT_NE(result.err.find(mention), std::string::npos) << result.err;
    // Never a source path of a library the tool is built with.
    for (const char* internal : {"boost", ".ipp", ".hpp", "/usr/"}) {
        EXPECT_EQ(result.err.find(internal), std::string::npos) << result.err;
    }
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(job_count(), 0);
}

std::vector<std::string> insert(std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"insert", "--kind", "k"});
    return flags;
}

std::vector<std::string> unique_key(std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"unique-key", "--kind", "k"});
    return flags;
}

// A valid line, then `line` as line 2.
std::string second_line(const std::string& line) { return R"({"kind":"k","args":{}})" "\n" + line + "\n"; }

const std::vector<std::string> insert_many = {"insert-many"};

INSTANTIATE_TEST_SUITE_P(
    cases, bad_input_test,
    ::testing::Values(
        bad_input{"insert_args_not_json", insert({"--args", R"({"a":)"}), {}, {"args", "JSON"}},
        bad_input{"insert_args_not_object", insert({"--args", "[1]"}), {}, {"args"}},
        bad_input{"insert_kind_empty", {"insert", "--kind", ""}, {}, {"--kind", "empty value"}},
        bad_input{"insert_kind_missing", {"insert", "--args", "{}"}, {}, {"--kind"}},
        // A surrogate, which PostgreSQL would refuse: a usage error, nothing sent.
        bad_input{"insert_kind_surrogate", {"insert", "--kind", "\xed\xa0\x80"}, {}, {"kind", "UTF-8"}},
        bad_input{"insert_priority_out_of_range", insert({"--priority", "5"}), {}, {"priority"}},
        bad_input{"insert_priority_not_a_number", insert({"--priority", "high"}), {}, {"--priority"}},
        bad_input{"insert_max_attempts_negative", insert({"--max-attempts", "-1"}), {}, {"--max-attempts"}},
        bad_input{"insert_max_attempts_too_many", insert({"--max-attempts", "40000"}), {}, {"max_attempts"}},
        bad_input{"insert_statement_timeout_negative", insert({"--statement-timeout", "-5"}), {}, {"--statement-timeout", "0 or more"}},
        bad_input{"insert_queue_invalid", insert({"--queue", "Bad Queue"}), {}, {"queue"}},
        bad_input{"insert_tag_invalid", insert({"--tags", "ok_tag,bad tag"}), {}, {"tags"}},
        bad_input{"insert_metadata_not_object", insert({"--metadata", "[]"}), {}, {"metadata"}},
        bad_input{"insert_scheduled_at_not_a_time", insert({"--scheduled-at", "tomorrow"}), {}, {"scheduled_at"}},
        bad_input{"insert_state_unknown", insert({"--unique-by-state", "available,nope"}), {}, {"by_state", "nope"}},
        bad_input{"insert_state_missing_required", insert({"--unique-by-state", "completed"}), {},
                  {"unique_opts.by_state"}},
        bad_input{"insert_period_under_a_second", insert({"--unique-by-period", "0.5"}), {}, {"unique_opts.by_period"}},
        bad_input{"insert_period_zero", insert({"--unique-by-period", "0"}), {}, {"unique_opts.by_period"}},
        bad_input{"insert_period_not_a_number", insert({"--unique-by-period", "soon"}), {}, {"--unique-by-period"}},
        bad_input{"insert_exclude_kind_alone", insert({"--unique-exclude-kind"}), {}, {"unique_opts.exclude_kind"}},
        bad_input{"insert_unknown_flag", insert({"--colour", "red"}), {}, {"--colour"}},
        bad_input{"many_not_json", insert_many, second_line("{nope"), {"line 2", "JSON"}},
        bad_input{"many_not_object", insert_many, second_line("[1]"), {"line 2", "object"}},
        bad_input{"many_unknown_field", insert_many, second_line(R"({"kind":"k","args":{},"colour":"red"})"),
                  {"line 2", "colour"}},
        bad_input{"many_kind_missing", insert_many, second_line(R"({"args":{}})"), {"line 2", "kind"}},
        bad_input{"many_args_missing", insert_many, second_line(R"({"kind":"k"})"), {"line 2", "args"}},
        bad_input{"many_args_given_twice", insert_many, second_line(R"({"kind":"k","args":{"a":1},"args":{"a":2}})"),
                  {"line 2", "args"}},
        bad_input{"many_args_not_object", insert_many, second_line(R"({"kind":"k","args":"x"})"), {"line 2", "args"}},
        bad_input{"many_priority_not_integer", insert_many, second_line(R"({"kind":"k","args":{},"priority":1.5})"),
                  {"line 2", "priority"}},
        bad_input{"many_queue_invalid", insert_many, second_line(R"({"kind":"k","args":{},"queue":"a b"})"),
                  {"line 2", "queue"}},
        bad_input{"many_tags_not_strings", insert_many, second_line(R"({"kind":"k","args":{},"tags":[1]})"),
                  {"line 2", "tags"}},
        bad_input{"many_metadata_not_object", insert_many, second_line(R"({"kind":"k","args":{},"metadata":1})"),
                  {"line 2", "metadata"}},
        bad_input{"many_pending_not_bool", insert_many, second_line(R"({"kind":"k","args":{},"pending":"yes"})"),
                  {"line 2", "pending"}},
        bad_input{"many_scheduled_at_not_a_time", insert_many,
                  second_line(R"({"kind":"k","args":{},"scheduled_at":"2026-13-01T00:00:00Z"})"),
                  {"line 2", "scheduled_at"}},
        bad_input{"many_unique_option_unknown", insert_many,
                  second_line(R"({"kind":"k","args":{},"unique_opts":{"by_kind":true}})"),
                  {"line 2", "unique_opts.by_kind"}},
        bad_input{"many_period_not_a_number", insert_many,
                  second_line(R"({"kind":"k","args":{},"unique_opts":{"by_period":"1h"}})"),
                  {"line 2", "unique_opts.by_period"}},
        bad_input{"many_state_unknown", insert_many,
                  second_line(R"({"kind":"k","args":{},"unique_opts":{"by_state":["nope"]}})"),
                  {"line 2", "unique_opts.by_state"}},
        bad_input{"many_by_args_not_list", insert_many,
                  second_line(R"({"kind":"k","args":{},"unique_opts":{"by_args":"id"}})"),
                  {"line 2", "unique_opts.by_args"}},
        bad_input{"many_file_missing", {"insert-many", "/nonexistent/jobs.jsonl"}, {}, {"/nonexistent/jobs.jsonl"}},
        bad_input{"unique_key_without_unique_flags", unique_key({"--args", "{}"}), {}, {"unique_opts"}, true},
        bad_input{"unique_key_now_not_a_time", unique_key({"--unique-by-args", "--now", "noon"}), {}, {"now"}, true},
        bad_input{"unique_key_args_not_json", unique_key({"--args", "{", "--unique-by-args"}), {}, {"args"}, true},
        bad_input{"migrate_direction_unknown", {"migrate", "sideways"}, {}, {"direction"}},
        bad_input{"migrate_to_not_a_number", {"migrate", "up", "--to", "latest"}, {}, {"--to"}}),
    [](const ::testing::TestParamInfo<bad_input>& case_info) { return case_info.param.name; });

// Far beyond the nesting limit, through every way JSON comes in: a clear
// message, the status of any bad input, no crash.
const std::string nesting_error = "nesting deeper than " + std::to_string(core::json::max_nesting_depth) + " levels";
// A command-line argument holds at most 128 KiB (Linux's MAX_ARG_STRLEN).
const std::string deep_argument = nested_object(60'000);
const std::string deep_line_value = nested_object(1'000'000);
// The level too many: `{"kind":"k","args":` then the object's `{"a":` and its arrays.
const std::string deep_line_column = "column " + std::to_string(19 + 5 + core::json::max_nesting_depth - 2 + 1);

INSTANTIATE_TEST_SUITE_P(
    deep_json, bad_input_test,
    ::testing::Values(
        bad_input{"insert_args", insert({"--args", deep_argument}), {}, {"args", nesting_error, "column 10005"}},
        bad_input{"insert_unique_args", insert({"--args", deep_argument, "--unique-by-args"}), {}, {"args", nesting_error}},
        bad_input{"insert_metadata", insert({"--metadata", deep_argument}), {}, {"metadata", nesting_error}},
        bad_input{"unique_key_args", unique_key({"--args", deep_argument, "--unique-by-args"}), {}, {"args", nesting_error},
                  true},
        bad_input{"many_args", insert_many, second_line(R"({"kind":"k","args":)" + deep_line_value + "}"),
                  {"line 2", nesting_error, deep_line_column}},
        bad_input{"many_fast_args", {"insert-many", "--fast"},
                  second_line(R"({"kind":"k","args":)" + deep_line_value + "}"), {"line 2", nesting_error}},
        bad_input{"many_metadata", insert_many,
                  second_line(R"({"kind":"k","args":{},"metadata":)" + deep_line_value + "}"), {"line 2", nesting_error}},
        bad_input{"many_unterminated", insert_many, second_line(std::string(1'000'000, '[')), {"line 2", nesting_error}}),
    [](const ::testing::TestParamInfo<bad_input>& case_info) { return case_info.param.name; });

// An empty value for each flag that takes one (as `--priority "$P"` passes
// with P unset), in both spellings: refused naming the flag, never read as
// "the default".
std::vector<bad_input> empty_values() {
    std::vector<bad_input> cases;
    const auto add = [&cases](const std::string& command, const std::string& flag, bool offline) {
        std::vector<std::string> base = {command};
        if (command != "insert-many" && command != "migrate") base.insert(base.end(), {"--kind", "k"});
        if (command == "migrate") base.push_back("up");
        if (command == "unique-key" && flag != "--unique-by-args") base.push_back("--unique-by-args");
        std::string name = command + "_" + flag.substr(2);
        std::replace(name.begin(), name.end(), '-', '_');
        auto spaced = base;
        spaced.insert(spaced.end(), {flag, ""});
        cases.push_back(bad_input{name, spaced, {}, {flag + ": empty value"}, offline});
        auto joined = base;
        joined.push_back(flag + "=");
        cases.push_back(bad_input{name + "_equals", joined, {}, {flag + ": empty value"}, offline});
    };
    for (const char* flag : {"--args", "--queue", "--priority", "--max-attempts", "--scheduled-at", "--tags",
                             "--metadata", "--unique-by-args", "--unique-by-period", "--unique-by-state", "--schema",
                             "--database-url", "--advisory-lock-prefix", "--statement-timeout"}) {
        add("insert", flag, false);
    }
    for (const char* flag : {"--schema", "--database-url", "--advisory-lock-prefix", "--statement-timeout"}) {
        add("insert-many", flag, false);
    }
    for (const char* flag : {"--args", "--priority", "--max-attempts", "--unique-by-args", "--now"}) {
        add("unique-key", flag, true);
    }
    add("migrate", "--to", false);
    return cases;
}

INSTANTIATE_TEST_SUITE_P(empty_value, bad_input_test, ::testing::ValuesIn(empty_values()),
                         [](const ::testing::TestParamInfo<bad_input>& case_info) { return case_info.param.name; });

// 0 is River's "default" in the library's options; as a flag it is out of range.
INSTANTIATE_TEST_SUITE_P(
    zero, bad_input_test,
    ::testing::Values(
        bad_input{"insert_priority", insert({"--priority", "0"}), {}, {"--priority", "between 1 and 4"}},
        bad_input{"insert_max_attempts", insert({"--max-attempts", "0"}), {}, {"--max-attempts", "at least 1"}},
        bad_input{"unique_key_priority", unique_key({"--priority", "0", "--unique-by-args"}), {}, {"--priority"}, true},
        bad_input{"unique_key_max_attempts", unique_key({"--max-attempts", "0", "--unique-by-args"}), {},
                  {"--max-attempts"}, true}),
    [](const ::testing::TestParamInfo<bad_input>& case_info) { return case_info.param.name; });

}  // namespace
}  // namespace riverqueue::testing
