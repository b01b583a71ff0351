// Fixtures for the black-box tests of the `riverqueue` tool: each test gets a
// schema of its own (created and dropped by scratch_schema) and runs the tool
// against it, then looks at the rows with a connection of its own.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

#include <riverqueue/connection.hpp>

#include "cli_runner.hpp"
#include "support/test_database.hpp"

namespace riverqueue::testing {

class cli_test : public ::testing::Test {
protected:
    void SetUp() override;

    // Runs the tool with this test's database URL and schema appended.
    cli_result cli(std::vector<std::string> args, const std::string& input = {});
    // The same with `input` on a pipe that then stays open and silent (run_cli_on_stalled_pipe).
    cli_result cli_on_stalled_pipe(std::vector<std::string> args, const std::string& input);
    // Runs `insert` and parses what it prints.
    boost::json::object insert_json(std::vector<std::string> args);

    // The first column of the first row of `sql`.
    std::string scalar(const std::string& sql);
    // `"schema".river_job`, for queries.
    std::string jobs() const;
    long job_count();

    scratch_schema schema_;
    connection admin_{nullptr};
};

// The same with River's tables already migrated by `riverqueue migrate up`.
class migrated_cli_test : public cli_test {
protected:
    void SetUp() override;
};

// A JSON object nested `depth` levels deep (`{"a":[[...]]}`, depth - 1 arrays),
// for the JSON nesting limit (core::json::max_nesting_depth).
std::string nested_object(std::size_t depth);

// Lines of `insert-many` input: `count` valid jobs, one per line; the line
// `bad_line` (from 1), if any, instead has a priority River refuses.
std::string job_lines(int count, int bad_line = 0);

}  // namespace riverqueue::testing
