#include "adapter.hpp"

#include <array>

#include <riverqueue/errors.hpp>
#include <riverqueue/migrator.hpp>
#include <riverqueue/time.hpp>
#include <riverqueue/unique_key.hpp>

#include "compact_json.hpp"
#include "echo_job.hpp"
#include "job_json.hpp"
#include "raw_json.hpp"
#include "rpc.hpp"

namespace riverqueue::conformance {
namespace {

// The insert-only-v1 profile, in the profile's order (the harness compares lists).
constexpr std::array<std::string_view, 9> profile_methods = {
    "handshake", "insert", "insert_many", "tx_begin", "tx_commit", "tx_insert", "tx_insert_many", "tx_rollback",
    "unique_key"};
constexpr std::array<std::string_view, 4> profile_capabilities = {"insert", "lifecycle", "transactions",
                                                                  "unique_jobs"};
constexpr int adapter_version = 18;
constexpr int protocol_revision = 1;

// The fields River's reference adapter marks `river:"unique"` for each kind of
// the unique-key goldens, as riverqueue paths.
std::optional<std::vector<std::string>> unique_paths_for_kind(std::string_view kind) {
    if (kind == "conformance_all_args" || kind == "conformance_numeric_boundaries" || kind == "conformance_simple") {
        return std::vector<std::string>{};
    }
    if (kind == "conformance_selected_args") return std::vector<std::string>{"account.id", "account.region", "label", "path/key"};
    if (kind == "conformance_dotted_selected_args") {
        return std::vector<std::string>{"@user", "!x", "{x}", "[x]", ":id", "user\\.id", "a*b?c#d|e", "user.id", "é"};
    }
    return std::nullopt;
}

std::string json_list(auto const& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ',';
        out += tools::json_string(items[i]);
    }
    out += ']';
    return out;
}

std::string results_json(const std::vector<insert_result>& results) {
    std::string out = "{\"results\":[";
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (i > 0) out += ',';
        out += "{\"job\":";
        out += tools::job_json(results[i].job);
        out += ",\"unique_skipped_as_duplicate\":";
        out += results[i].unique_skipped_as_duplicated ? "true}" : "false}";
    }
    return out + "]}";
}

// `raw_jobs` is the same list as the request wrote it.
std::vector<insert_many_params> echo_jobs(const tools::json::value& jobs, std::string_view raw_jobs) {
    if (jobs.type != tools::json::value_type::array) throw rpc_error(rpc_code::invalid_params, "jobs must be a list");
    const auto raw = tools::raw_elements(raw_jobs);
    std::vector<insert_many_params> params;
    for (std::size_t i = 0; i < jobs.items.size(); ++i) params.push_back(echo_job_params(jobs.items[i], raw.at(i), false));
    return params;
}

std::string handle_of(const params_reader& in) {
    const auto handle = in.string("handle");
    if (!handle || handle->empty()) throw rpc_error(rpc_code::invalid_params, "handle is required");
    return *handle;
}

}  // namespace

adapter::adapter(adapter_config config) : config_(std::move(config)) {}

std::string adapter::conninfo() const {
    const std::string& url = config_.database_url;
    if (config_.application_name.empty()) return url;
    const bool is_uri = url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
    if (!is_uri) return url + " application_name=" + config_.application_name;
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=" + config_.application_name;
}

client& adapter::client_for(const std::string& schema) {
    auto& slot = clients_[schema];
    if (!slot) {
        client_options options;
        options.conninfo = conninfo();
        options.schema = schema;
        // River's reference uses a fresh client per request, so no insert
        // notification is ever held back by an earlier (maybe rolled back) one.
        options.notify_cooldown = std::chrono::milliseconds(0);
        slot = std::make_unique<client>(options);
    }
    return *slot;
}

std::string adapter::call(std::string_view method, const tools::json::value& params, std::string_view raw_params) {
    try {
        if (method == "handshake") return handshake(params);
        if (method == "insert") return insert(params, raw_params);
        if (method == "insert_many") return insert_many(params, raw_params);
        if (method == "tx_begin") return tx_begin(params);
        if (method == "tx_insert") return tx_insert(params, raw_params);
        if (method == "tx_insert_many") return tx_insert_many(params, raw_params);
        if (method == "tx_commit") return tx_end(params, true);
        if (method == "tx_rollback") return tx_end(params, false);
        if (method == "unique_key") return unique_key(params, raw_params);
    } catch (const validation_error& e) {
        throw rpc_error(rpc_code::rejected, e.what());
    } catch (const database_error& e) {
        throw rpc_error(rpc_code::database_error, e.what());
    } catch (const connection_error& e) {
        throw rpc_error(rpc_code::database_error, e.what());
    } catch (const riverqueue::error& e) {
        throw rpc_error(rpc_code::internal, e.what());
    }
    throw rpc_error(rpc_code::method_not_found, "method not found: " + std::string(method));
}

std::string adapter::handshake(const tools::json::value& params) {
    const params_reader in(params, {});
    std::string out = "{\"adapter_version\":" + std::to_string(adapter_version);
    if (!config_.application_name.empty()) out += ",\"application_name\":" + tools::json_string(config_.application_name);
    out += ",\"backend\":\"postgres\",\"capabilities\":" + json_list(profile_capabilities);
    out += ",\"implementation\":\"cpp\",\"implementation_version\":\"" RIVERQUEUE_VERSION "\"";
    out += ",\"methods\":" + json_list(profile_methods);
    out += ",\"migration_lines\":{\"main\":" + std::to_string(migrator::latest_version()) + "}";
    out += ",\"profile\":\"insert-only-v1\",\"protocol_revision\":" + std::to_string(protocol_revision) + "}";
    return out;
}

std::string adapter::insert(const tools::json::value& params, std::string_view raw_params) {
    const insert_many_params job = echo_job_params(params, raw_params, true);
    const params_reader in(params, {"behavior", "duration_ms", "message", "opts", "schema"});
    const std::string schema = in.string("schema").value_or("");
    return tools::job_json(client_for(schema.empty() ? config_.schema : schema).insert(job.args, job.opts).job);
}

std::string adapter::insert_many(const tools::json::value& params, std::string_view raw_params) {
    const params_reader in(params, {"jobs"});
    const auto jobs = echo_jobs(in.required("jobs"), tools::raw_member(raw_params, "jobs"));
    return results_json(client_for(config_.schema).insert_many(jobs));
}

connection& adapter::transaction_for(const tools::json::value& params) {
    const params_reader in(params, {"handle", "job", "jobs"});
    const auto it = transactions_.find(handle_of(in));
    if (it == transactions_.end()) throw rpc_error(rpc_code::not_found, "transaction not found");
    return it->second;
}

std::string adapter::tx_begin(const tools::json::value& params) {
    const params_reader in(params, {"handle"});
    const std::string handle = handle_of(in);
    if (transactions_.count(handle) != 0) throw rpc_error(rpc_code::rejected, "transaction handle already open");
    connection conn = connection::open(conninfo());
    conn.execute("BEGIN");
    transactions_.emplace(handle, std::move(conn));
    return "{}";
}

// As River's reference: the job is read before the handle is looked up.
std::string adapter::tx_insert(const tools::json::value& params, std::string_view raw_params) {
    const params_reader in(params, {"handle", "job"});
    const insert_many_params job = echo_job_params(in.required("job"), tools::raw_member(raw_params, "job"), false);
    connection& tx = transaction_for(params);
    return tools::job_json(client_for(config_.schema).insert_tx(tx, job.args, job.opts).job);
}

std::string adapter::tx_insert_many(const tools::json::value& params, std::string_view raw_params) {
    const params_reader in(params, {"handle", "jobs"});
    const auto jobs = echo_jobs(in.required("jobs"), tools::raw_member(raw_params, "jobs"));
    connection& tx = transaction_for(params);
    return results_json(client_for(config_.schema).insert_many_tx(tx, jobs));
}

std::string adapter::tx_end(const tools::json::value& params, bool commit) {
    const params_reader in(params, {"handle"});
    const auto it = transactions_.find(handle_of(in));
    if (it == transactions_.end()) throw rpc_error(rpc_code::not_found, "transaction not found");
    // The handle is consumed whether or not the commit succeeds.
    connection conn = std::move(it->second);
    transactions_.erase(it);
    conn.execute(commit ? "COMMIT" : "ROLLBACK");
    return "{}";
}

std::string adapter::unique_key(const tools::json::value& params, std::string_view raw_params) {
    const params_reader in(params, {"args", "kind", "now", "options", "queue", "scheduled_at", "expected_error",
                                    "expected_sha256", "expected_state_mask", "name", "selected_unique_components",
                                    "selected_unique_paths"});
    // Any JSON value, null included: River decides whether it can be hashed.
    if (!in.contains("args")) throw rpc_error(rpc_code::invalid_params, "params.args: is required");
    const std::string kind = in.string("kind").value_or("");
    const auto paths = unique_paths_for_kind(kind);
    if (!paths) throw rpc_error(rpc_code::rejected, "unsupported unique fixture kind \"" + kind + "\"");
    const auto now = parse_rfc3339(in.string("now").value_or(""));
    if (!now) throw rpc_error(rpc_code::invalid_params, "now must be an RFC 3339 time");
    std::optional<time_point> scheduled_at;
    if (const auto scheduled = in.string("scheduled_at")) {
        scheduled_at = parse_rfc3339(*scheduled);
        if (!scheduled_at) throw rpc_error(rpc_code::invalid_params, "scheduled_at must be an RFC 3339 time");
    }
    const params_reader options(in.required("options"), {"by_args", "by_period_nanos", "by_queue", "by_state",
                                                         "exclude_kind"},
                                "options");
    unique_opts opts;
    if (options.boolean("by_args").value_or(false)) {
        if (paths->empty()) opts.by_args = unique_by_args_all{};
        else opts.by_args = *paths;
    }
    opts.by_period = std::chrono::nanoseconds(options.integer("by_period_nanos", 0).value_or(0));
    opts.by_queue = options.boolean("by_queue").value_or(false);
    // River's reference treats an empty list like none: the default states.
    if (auto states = options.states("by_state"); states && !states->empty()) opts.by_state = std::move(states);
    opts.exclude_kind = options.boolean("exclude_kind").value_or(false);
    // The args as the request wrote them, compacted: the bytes River's
    // reference hashes when its harness sends them.
    const std::string args = compact_json(tools::raw_member(raw_params, "args"));
    const auto key = compute_unique_key(
        unique_key_input{kind, args, in.string("queue").value_or(""), scheduled_at, *now}, opts);
    return "{\"sha256\":\"" + key.hex() + "\",\"state_mask\":" + std::to_string(unique_states_bitmask(opts)) + "}";
}

}  // namespace riverqueue::conformance
