#include "adapter_process.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include <gtest/gtest.h>

namespace riverqueue::testing {

adapter_process::adapter_process(const std::string& database_url, const environment& extra_environment) {
    int to_child[2];
    int from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(to_child[0], STDIN_FILENO);
        ::dup2(from_child[1], STDOUT_FILENO);
        ::close(to_child[1]);
        ::close(from_child[0]);
        ::setenv("RIVER_CONFORMANCE_DATABASE_URL", database_url.c_str(), 1);
        for (const auto& [name, value] : extra_environment) ::setenv(name.c_str(), value.c_str(), 1);
        ::execl(RIVERQUEUE_CONFORMANCE_ADAPTER, RIVERQUEUE_CONFORMANCE_ADAPTER, static_cast<char*>(nullptr));
        std::_Exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    to_adapter_ = ::fdopen(to_child[1], "w");
    from_adapter_ = ::fdopen(from_child[0], "r");
}

adapter_process::~adapter_process() {
    if (pid_ > 0) finish();
}

int adapter_process::finish() {
    if (to_adapter_ != nullptr) std::fclose(to_adapter_);
    to_adapter_ = nullptr;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (from_adapter_ != nullptr) std::fclose(from_adapter_);
    from_adapter_ = nullptr;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string adapter_process::exchange(const std::string& line) {
    std::fputs((line + "\n").c_str(), to_adapter_);
    std::fflush(to_adapter_);
    std::string response;
    char buffer[65536];
    while (std::fgets(buffer, sizeof buffer, from_adapter_) != nullptr) {
        response += buffer;
        if (!response.empty() && response.back() == '\n') break;
    }
    return response;
}

boost::json::object adapter_process::send_line(const std::string& line) {
    const std::string response = exchange(line);
    if (response.empty()) {
        ADD_FAILURE() << "the adapter closed stdout";
        return {};
    }
    return boost::json::parse(response).as_object();
}

std::string adapter_process::request_line(const std::string& method, const std::string& params_json) {
    return R"({"id":)" + std::to_string(next_id_++) + R"(,"jsonrpc":"2.0","method":")" + method +
           R"(","params":)" + params_json + "}";
}

boost::json::object adapter_process::call(const std::string& method, const std::string& params_json) {
    const int id = next_id_;
    auto response = send_line(request_line(method, params_json));
    EXPECT_EQ(response.at("id").as_int64(), id);
    EXPECT_EQ(response.at("jsonrpc").as_string(), "2.0");
    return response;
}

boost::json::value adapter_process::result(const std::string& method, const std::string& params_json) {
    auto response = call(method, params_json);
    if (!response.contains("result")) {
        ADD_FAILURE() << method << " failed: " << boost::json::serialize(response);
        return {};
    }
    return response.at("result");
}

std::int64_t adapter_process::error_code(const std::string& method, const std::string& params_json) {
    auto response = call(method, params_json);
    if (!response.contains("error")) {
        ADD_FAILURE() << method << " succeeded: " << boost::json::serialize(response);
        return 0;
    }
    return response.at("error").as_object().at("code").as_int64();
}

}  // namespace riverqueue::testing
