#include "cli_fixture.hpp"

#include <libpq-fe.h>

namespace riverqueue::testing {

void cli_test::SetUp() { admin_ = connection::open(database_url()); }

void migrated_cli_test::SetUp() {
    cli_test::SetUp();
    const auto migrated = cli({"migrate", "up"});
    ASSERT_EQ(migrated.status, 0) << migrated.err;
}

cli_result cli_test::cli(std::vector<std::string> args, const std::string& input) {
    args.insert(args.end(), {"--database-url", database_url(), "--schema", schema_.name()});
    return run_cli(args, input);
}

cli_result cli_test::cli_on_stalled_pipe(std::vector<std::string> args, const std::string& input) {
    args.insert(args.end(), {"--database-url", database_url(), "--schema", schema_.name()});
    return run_cli_on_stalled_pipe(args, input, 60);
}

boost::json::object cli_test::insert_json(std::vector<std::string> args) {
    args.insert(args.begin(), "insert");
    const auto result = cli(args);
    EXPECT_EQ(result.status, 0) << result.err;
    boost::json::error_code error;
    auto parsed = boost::json::parse(result.out, error);
    if (error || !parsed.is_object()) {
        ADD_FAILURE() << "not a JSON object: " << result.out;
        return {};
    }
    return parsed.as_object();
}

std::string cli_test::scalar(const std::string& sql) { return testing::scalar(admin_.native_handle(), sql); }

std::string cli_test::jobs() const { return "\"" + schema_.name() + "\".river_job"; }

long cli_test::job_count() { return std::stol(scalar("SELECT count(*) FROM " + jobs())); }

std::string nested_object(std::size_t depth) {
    return "{\"a\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
}

std::string job_lines(int count, int bad_line) {
    std::string text;
    for (int i = 1; i <= count; ++i) {
        if (i == bad_line) text += R"({"kind":"bulk","args":{"n":1},"priority":7})" "\n";
        else text += R"({"kind":"bulk","args":{"n":)" + std::to_string(i) + "}}\n";
    }
    return text;
}

}  // namespace riverqueue::testing
