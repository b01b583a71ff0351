#include "cli_runner.hpp"

#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace riverqueue::testing {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

[[noreturn]] void exec_tool(const char* binary, const std::vector<std::string>& args,
                           const environment_changes& environment) {
    for (const auto& [name, value] : environment) {
        if (value) ::setenv(name.c_str(), value->c_str(), 1);
        else ::unsetenv(name.c_str());
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary));
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(binary, argv.data());
    std::_Exit(127);
}

const char* tool_binary() {
    const char* binary = std::getenv("RIVERQUEUE_CLI");
    return binary == nullptr || *binary == '\0' ? RIVERQUEUE_CLI_PATH : binary;
}

}  // namespace

cli_result run_cli(const std::vector<std::string>& args, const std::string& input,
                   const environment_changes& environment) {
    const char* binary = tool_binary();
    // Files rather than pipes: nothing can block however much either side writes.
    char dir_template[] = "/tmp/riverqueue-cli-test.XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) return {};
    const std::string dir = dir_template;
    const std::string in_path = dir + "/in", out_path = dir + "/out", err_path = dir + "/err";
    std::ofstream(in_path, std::ios::binary) << input;

    const pid_t pid = ::fork();
    if (pid == 0) {
        if (std::freopen(in_path.c_str(), "r", stdin) == nullptr || std::freopen(out_path.c_str(), "w", stdout) == nullptr ||
            std::freopen(err_path.c_str(), "w", stderr) == nullptr) {
            std::_Exit(126);
        }
        exec_tool(binary, args, environment);
    }
    int status = 0;
    if (pid > 0) ::waitpid(pid, &status, 0);
    cli_result result{pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out_path),
                      read_file(err_path)};
    std::remove(in_path.c_str());
    std::remove(out_path.c_str());
    std::remove(err_path.c_str());
    ::rmdir(dir.c_str());
    return result;
}

cli_result run_cli_on_stalled_pipe(const std::vector<std::string>& args, const std::string& input,
                                   int deadline_seconds) {
    char dir_template[] = "/tmp/riverqueue-cli-test.XXXXXX";
    int pipe_fds[2];
    if (::mkdtemp(dir_template) == nullptr || ::pipe(pipe_fds) != 0) return {};
    const std::string dir = dir_template;
    const std::string out_path = dir + "/out", err_path = dir + "/err";
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(pipe_fds[1]);
        if (::dup2(pipe_fds[0], STDIN_FILENO) < 0 || std::freopen(out_path.c_str(), "w", stdout) == nullptr ||
            std::freopen(err_path.c_str(), "w", stderr) == nullptr) {
            std::_Exit(126);
        }
        exec_tool(tool_binary(), args, {});
    }
    ::close(pipe_fds[0]);
    // The input fits in the pipe (the caller keeps it small), so this write
    // does not wait for the tool.
    const bool written = pid > 0 && ::write(pipe_fds[1], input.data(), input.size()) ==
                                        static_cast<ssize_t>(input.size());
    int status = 0;
    bool exited = false;
    for (int waited_ms = 0; pid > 0 && waited_ms < deadline_seconds * 1000; waited_ms += 10) {
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            exited = true;
            break;
        }
        ::usleep(10'000);
    }
    if (pid > 0 && !exited) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    ::close(pipe_fds[1]);
    cli_result result{written && exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out_path),
                      read_file(err_path)};
    std::remove(out_path.c_str());
    std::remove(err_path.c_str());
    ::rmdir(dir.c_str());
    return result;
}

}  // namespace riverqueue::testing
