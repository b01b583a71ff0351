// JSON-RPC 2.0 errors and strict parameter reading, as River's conformance
// contract defines them (adapter/contract.json).
#pragma once

#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <riverqueue/job_state.hpp>

#include "json_input.hpp"

namespace riverqueue::conformance {

enum class rpc_code : int {
    parse_error = -32700,
    invalid_request = -32600,
    method_not_found = -32601,
    invalid_params = -32602,
    internal = -32000,
    not_found = -32001,
    rejected = -32002,
    database_error = -32003,
};

class rpc_error : public std::runtime_error {
public:
    rpc_error(rpc_code code, const std::string& message) : std::runtime_error(message), code_(code) {}
    rpc_code code() const noexcept { return code_; }

private:
    rpc_code code_;
};

// One request line of the harness, read.
struct rpc_request {
    // The request's id as the response repeats it (JSON text): a string, a
    // number as written, or null.
    std::string id = "null";
    std::string method;
    // The params, JSON null when absent or null (the methods read it as {}).
    tools::json::value params;
    // The same params as the line wrote them (within the line), so that job
    // args reach the library with their number spellings intact; empty when absent.
    std::string_view raw_params;
};

// Reads one line of newline-delimited JSON-RPC 2.0 into `request`. Throws
// rpc_error: parse_error for a line that is not JSON, invalid_request for one
// that is not a request. `request.id` is set as soon as it is read, so that an
// error after it is answered with the request's id.
void read_request(std::string_view line, rpc_request& request);

// Reads an object's members strictly: unknown members are invalid params.
class params_reader {
public:
    params_reader(const tools::json::value& params, std::initializer_list<std::string_view> allowed,
                  std::string_view where = "params");

    // The member `name` (the last, when repeated, as Go reads it); null when absent or null.
    const tools::json::value* find(std::string_view name) const;
    const tools::json::value& required(std::string_view name) const;
    // Whether the member is there, null included.
    bool contains(std::string_view name) const;
    std::optional<std::string> string(std::string_view name) const;
    std::optional<bool> boolean(std::string_view name) const;
    std::optional<std::int64_t> integer(std::string_view name, std::int64_t minimum) const;
    // A non-negative integer up to 2^64-1 (Go's uint64).
    std::optional<std::uint64_t> unsigned_integer(std::string_view name) const;
    // A list of River job state names.
    std::optional<std::vector<job_state>> states(std::string_view name) const;

private:
    [[noreturn]] void invalid(std::string_view name, std::string_view rule) const;

    const tools::json::value& object_;
    std::string where_;
};

}  // namespace riverqueue::conformance
