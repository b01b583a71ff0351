// Runs the built `riverqueue` binary and captures what it prints.
#pragma once

#include <string>
#include <vector>

namespace riverqueue::testing {

struct cli_result {
    int status = -1;
    std::string out;
    std::string err;
};

// Runs the tool with `args` (each passed as one argument), with `input` on
// standard input.
cli_result run_cli(const std::vector<std::string>& args, const std::string& input = {});

}  // namespace riverqueue::testing
