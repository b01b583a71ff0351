// Runs the built `riverqueue` binary and captures what it prints.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace riverqueue::testing {

struct cli_result {
    int status = -1;  // exit status; -1 when the process did not exit normally
    std::string out;
    std::string err;
};

// Environment changes for one run: a value sets the variable, std::nullopt unsets it.
using environment_changes = std::vector<std::pair<std::string, std::optional<std::string>>>;

// Runs the tool with `args` (each passed as one argument), with `input` on
// standard input, in this process's environment changed by `environment`.
// RIVERQUEUE_CLI, when set, names the binary to run instead of the built one.
cli_result run_cli(const std::vector<std::string>& args, const std::string& input = {},
                   const environment_changes& environment = {});

// Runs the tool with `input` written to a pipe on its standard input, the pipe
// then held open and silent, as by a producer that stalls; the tool is killed
// (status -1) if it has not exited within `deadline_seconds`.
cli_result run_cli_on_stalled_pipe(const std::vector<std::string>& args, const std::string& input,
                                   int deadline_seconds);

}  // namespace riverqueue::testing
