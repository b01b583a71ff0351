// The conformance adapter's JSON-RPC request reader
// (tools/conformance_adapter/rpc.cpp: read_request, params_reader) and what
// reads a request's params without a database: the echo job's params
// (echo_job.cpp) and the library's validation of the job they make, and the
// methods that never connect (handshake, unique_key, the transaction methods
// with an unknown handle, unknown methods), through adapter::call.
//
// Input: lines, each one request.
//
// Beyond not crashing:
// - a refusal is an rpc_error (nothing else reaches main's catch-all as an
//   internal error), and the library refuses a job only with validation_error;
// - the id is a JSON string, number or null, as the request wrote it;
// - the params as written (raw_params, which carry args and metadata to the
//   library byte for byte) read as the same tree as the parsed params, and a
//   job's opts.metadata as written is the metadata read;
// - a method's result is a JSON object;
// - inputs that may be deep run on a 256 KiB stack.
#include <string>

#include <riverqueue/errors.hpp>

#include "adapter.hpp"
#include "core/insert_params.hpp"
#include "echo_job.hpp"
#include "fuzz_support.hpp"
#include "raw_json.hpp"
#include "rpc.hpp"

namespace {

using namespace riverqueue::fuzz;
using namespace riverqueue::conformance;
namespace json = riverqueue::core::json;

// `raw` (taken from the line) reads as `parsed`.
void check_raw(std::string_view raw, const json::value& parsed, const std::string& what) {
    json::value reread;
    try {
        reread = json::parse(raw);
    } catch (const json::parse_error& e) {
        FUZZ_CHECK(false, what + " as written is not JSON: " + e.what() + ": " + printable(raw));
    }
    std::string where;
    FUZZ_CHECK(same_tree(reread, parsed, &where), what + " as written reads differently (" + where + "): " + printable(raw));
}

// The echo job of `job` (params of insert, or an element of jobs), then the
// library's resolution of it, as the client would before sending it.
void echo_job(const json::value& job, std::string_view raw_job, bool allow_schema) {
    if (job.type == json::value_type::object) check_raw(raw_job, job, "a job");
    riverqueue::insert_many_params params;
    try {
        params = echo_job_params(job, raw_job, allow_schema);
    } catch (const rpc_error&) {
        return;
    }
    FUZZ_CHECK(json::validate(params.args.json) == json::value_type::object, printable(params.args.json));
    const json::value* opts = job.type == json::value_type::object ? last_member(job, "opts") : nullptr;
    const json::value* metadata = opts != nullptr ? last_member(*opts, "metadata") : nullptr;
    if (metadata != nullptr && metadata->type == json::value_type::object) {
        FUZZ_CHECK(params.opts.metadata.has_value(), "metadata read but not passed on");
        check_raw(*params.opts.metadata, *metadata, "opts.metadata");
    }
    try {
        riverqueue::core::resolve_insert_at(params, 0, riverqueue::core::insert_defaults{}, riverqueue::time_point{},
                                            riverqueue::core::args_text::borrow);
    } catch (const riverqueue::validation_error&) {
    }
}

void request_line(adapter& handler, std::string_view line) {
    rpc_request request;
    try {
        read_request(line, request);
    } catch (const rpc_error& e) {
        FUZZ_CHECK(e.code() == rpc_code::parse_error || e.code() == rpc_code::invalid_request, e.what());
        return;
    }
    const json::value id = json::parse(request.id);
    FUZZ_CHECK(id.type == json::value_type::string || id.type == json::value_type::number ||
                   id.type == json::value_type::null,
               request.id);
    if (request.params.type != json::value_type::null) check_raw(request.raw_params, request.params, "params");

    const std::string& method = request.method;
    try {
        if (method == "insert") {
            echo_job(request.params, request.raw_params, true);
            const params_reader in(request.params, {"behavior", "duration_ms", "message", "opts", "schema"});
            in.string("schema");
        } else if (method == "insert_many") {
            const params_reader in(request.params, {"jobs"});
            const auto& jobs = in.required("jobs");
            if (jobs.type != json::value_type::array) return;
            const auto raw_jobs = riverqueue::tools::raw_elements(riverqueue::tools::raw_member(request.raw_params, "jobs"));
            FUZZ_CHECK(raw_jobs.size() == jobs.items.size(), "jobs as written: " + std::to_string(raw_jobs.size()) +
                                                                 ", read: " + std::to_string(jobs.items.size()));
            for (std::size_t i = 0; i < jobs.items.size(); ++i) echo_job(jobs.items[i], raw_jobs[i], false);
        } else if (method == "tx_begin") {
            const params_reader in(request.params, {"handle"});
            in.string("handle");
        } else {
            // No database: no transaction is open, and handshake and unique_key need none.
            const std::string result = handler.call(method, request.params, request.raw_params);
            FUZZ_CHECK(json::validate(result) == json::value_type::object, printable(result));
        }
    } catch (const rpc_error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = as_text(data, size);
    static adapter handler(adapter_config{"host=/nonexistent", "river-conformance-fuzz", ""});
    run_library_part(input, [&] {
        for (const auto line : split(input, '\n')) {
            if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
            request_line(handler, line);
        }
    });
    return 0;
}
