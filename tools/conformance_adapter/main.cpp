// riverqueue-conformance-adapter: River's conformance suite drives this
// process over newline-delimited JSON-RPC 2.0 on stdin/stdout (profile
// insert-only-v1). Diagnostics go to stderr only.
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include "adapter.hpp"
#include "job_json.hpp"
#include "json_input.hpp"
#include "raw_json.hpp"
#include "rpc.hpp"

namespace {

using namespace riverqueue::conformance;

std::string error_response(const std::string& id, rpc_code code, const std::string& message) {
    return "{\"error\":{\"code\":" + std::to_string(static_cast<int>(code)) +
           ",\"message\":" + riverqueue::tools::json_string(message) + "},\"id\":" + id + ",\"jsonrpc\":\"2.0\"}";
}

std::string env(const char* name, const char* fallback = "") {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? value : fallback;
}

// The environment River's harness sets, checked as River's reference checks it.
std::optional<adapter_config> config_from_environment() {
    adapter_config config{env("RIVER_CONFORMANCE_DATABASE_URL"),
                          env("RIVER_CONFORMANCE_APPLICATION_NAME", "river-conformance-cpp"),
                          env("RIVER_CONFORMANCE_SCHEMA")};
    const std::string kind = env("RIVER_CONFORMANCE_DATABASE_KIND");
    const std::string profile = env("RIVER_CONFORMANCE_PROFILE");
    const char* problem = nullptr;
    if (config.database_url.empty()) problem = "RIVER_CONFORMANCE_DATABASE_URL is required";
    else if (!kind.empty() && kind != "postgres") problem = "RIVER_CONFORMANCE_DATABASE_KIND must be postgres";
    else if (!profile.empty() && profile != "insert-only-v1") problem = "RIVER_CONFORMANCE_PROFILE must be insert-only-v1";
    // The harness's own observer uses river-conformance-harness; adapters
    // share the prefix so that the harness can tell their connections apart.
    else if (config.application_name.rfind("river-conformance-", 0) != 0 ||
             config.application_name == "river-conformance-harness") {
        problem = "RIVER_CONFORMANCE_APPLICATION_NAME must start with river-conformance- (and not be the harness's)";
    }
    if (problem == nullptr) return config;
    std::cerr << "riverqueue-conformance-adapter: " << problem << "\n";
    return std::nullopt;
}

}  // namespace

int main() {
    std::ios::sync_with_stdio(false);
    const auto config = config_from_environment();
    if (!config) return 1;
    adapter handler(*config);
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        rpc_request request;
        std::string response;
        try {
            read_request(line, request);
            const std::string result = handler.call(request.method, request.params, request.raw_params);
            response = "{\"id\":" + request.id + ",\"jsonrpc\":\"2.0\",\"result\":" + result + "}";
        } catch (const rpc_error& e) {
            response = error_response(request.id, e.code(), e.what());
            std::cerr << "riverqueue-conformance-adapter: " << e.what() << "\n";
        } catch (const std::exception& e) {
            response = error_response(request.id, rpc_code::internal, e.what());
            std::cerr << "riverqueue-conformance-adapter: " << e.what() << "\n";
        }
        std::cout << response << "\n" << std::flush;
    }
    return 0;
}
