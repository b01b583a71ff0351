#include "cli_runner.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>


namespace riverqueue::testing {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

}  // namespace

cli_result run_cli(const std::vector<std::string>& args, const std::string& input) {
    const char* binary = std::getenv("RIVERQUEUE_CLI");
    if (binary == nullptr || *binary == '\0') binary = RIVERQUEUE_CLI_PATH;
    char dir_template[] = "/tmp/riverqueue-cli-test.XXXXXX";
    const std::string dir = ::mkdtemp(dir_template);
    const std::string in_path = dir + "/in", out_path = dir + "/out", err_path = dir + "/err";
    std::ofstream(in_path) << input;

    const pid_t pid = ::fork();
    if (pid == 0) {
        std::freopen(in_path.c_str(), "r", stdin);
        std::freopen(out_path.c_str(), "w", stdout);
        std::freopen(err_path.c_str(), "w", stderr);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(binary));
        for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
        argv.push_back(nullptr);
        ::execv(binary, argv.data());
        std::_Exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    cli_result result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out_path), read_file(err_path)};
    std::remove(in_path.c_str());
    std::remove(out_path.c_str());
    std::remove(err_path.c_str());
    ::rmdir(dir.c_str());
    return result;
}

}  // namespace riverqueue::testing
