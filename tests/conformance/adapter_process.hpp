// Runs the conformance adapter as River's harness does: one JSON-RPC request
// per line on its stdin, one response per line from its stdout.
#pragma once

#include <sys/types.h>

#include <boost/json.hpp>

#include <cstdio>
#include <map>
#include <string>

namespace riverqueue::testing {

class adapter_process {
public:
    using environment = std::map<std::string, std::string>;

    // Starts the adapter with RIVER_CONFORMANCE_DATABASE_URL = `database_url`,
    // plus `extra_environment`.
    explicit adapter_process(const std::string& database_url, const environment& extra_environment = {});
    adapter_process(const adapter_process&) = delete;
    adapter_process& operator=(const adapter_process&) = delete;
    ~adapter_process();

    // Sends one request line and returns the response line as written.
    std::string exchange(const std::string& line);
    // Sends one request line and returns the parsed response.
    boost::json::object send_line(const std::string& line);
    // A request line with the next id.
    std::string request_line(const std::string& method, const std::string& params_json = "{}");
    // Sends {"id", "jsonrpc", "method", "params"} and returns the response.
    boost::json::object call(const std::string& method, const std::string& params_json = "{}");
    // The result of a call that must succeed (fails the test otherwise).
    boost::json::value result(const std::string& method, const std::string& params_json = "{}");
    // The error code of a call that must fail.
    std::int64_t error_code(const std::string& method, const std::string& params_json = "{}");

    // Closes stdin and returns the exit status.
    int finish();

private:
    pid_t pid_ = -1;
    FILE* to_adapter_ = nullptr;
    FILE* from_adapter_ = nullptr;
    int next_id_ = 1;
};

}  // namespace riverqueue::testing
