// Bad input: exit status 2, one line on stderr naming the field (and for
// insert-many the line), nothing on stdout, and no rows.
#include <algorithm>

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
        bad_input{"insert_kind_empty", {"insert", "--kind", ""}, {}, {"kind"}},
        bad_input{"insert_kind_missing", {"insert", "--args", "{}"}, {}, {"--kind"}},
        // A surrogate, which PostgreSQL would refuse: a usage error, nothing sent.
        bad_input{"insert_kind_surrogate", {"insert", "--kind", "\xed\xa0\x80"}, {}, {"kind", "UTF-8"}},
        bad_input{"insert_priority_out_of_range", insert({"--priority", "5"}), {}, {"priority"}},
        bad_input{"insert_priority_not_a_number", insert({"--priority", "high"}), {}, {"--priority"}},
        bad_input{"insert_max_attempts_negative", insert({"--max-attempts", "-1"}), {}, {"max_attempts"}},
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

}  // namespace
}  // namespace riverqueue::testing
