#include "echo_job.hpp"

#include <array>
#include <chrono>
#include <string_view>

#include <riverqueue/time.hpp>

#include "job_json.hpp"
#include "raw_json.hpp"
#include "rpc.hpp"

namespace riverqueue::conformance {
namespace {

constexpr std::array<std::string_view, 19> behaviors = {
    "", "barrier_output", "barrier_wait", "cancel", "cancel_error", "cancel_panic", "cooperative_cancel",
    "discard", "error", "ignored_cancel", "output", "panic", "resumable", "resumable_cursor",
    "resumable_duplicate", "sleep", "snooze_once", "snooze_then_cancel", "transactional_complete"};

unique_opts read_unique(const tools::json::value& value) {
    const params_reader unique(value, {"by_args", "by_period_ms", "by_queue", "by_state", "exclude_kind"},
                               "opts.unique");
    unique_opts opts;
    if (unique.boolean("by_args").value_or(false)) opts.by_args = unique_by_args_all{};
    opts.by_period = std::chrono::milliseconds(unique.integer("by_period_ms", 0).value_or(0));
    opts.by_queue = unique.boolean("by_queue").value_or(false);
    opts.by_state = unique.states("by_state");
    opts.exclude_kind = unique.boolean("exclude_kind").value_or(false);
    return opts;
}

insert_opts read_opts(const tools::json::value& value, std::string_view raw_opts) {
    const params_reader opts_in(value,
                                {"max_attempts", "metadata", "pending", "priority", "queue", "scheduled_at", "tags",
                                 "unique"},
                                "opts");
    insert_opts opts;
    if (const auto attempts = opts_in.integer("max_attempts", 1)) opts.max_attempts = static_cast<int>(*attempts);
    if (const auto* metadata = opts_in.find("metadata")) {
        if (metadata->type != tools::json::value_type::object) {
            throw rpc_error(rpc_code::invalid_params, "opts.metadata must be an object");
        }
        opts.metadata = std::string(tools::raw_member(raw_opts, "metadata"));
    }
    opts.pending = opts_in.boolean("pending").value_or(false);
    if (const auto priority = opts_in.integer("priority", INT32_MIN)) opts.priority = static_cast<int>(*priority);
    opts.queue = opts_in.string("queue");
    if (const auto scheduled = opts_in.string("scheduled_at")) {
        opts.scheduled_at = parse_rfc3339(*scheduled);
        if (!opts.scheduled_at) throw rpc_error(rpc_code::invalid_params, "opts.scheduled_at is not RFC 3339");
    }
    if (const auto* tags = opts_in.find("tags")) {
        if (tags->type != tools::json::value_type::array) {
            throw rpc_error(rpc_code::invalid_params, "opts.tags must be a list");
        }
        opts.tags.emplace();
        for (const auto& tag : tags->items) {
            if (tag.type != tools::json::value_type::string) {
                throw rpc_error(rpc_code::invalid_params, "opts.tags must hold strings");
            }
            opts.tags->push_back(tag.text);
        }
    }
    if (const auto* unique = opts_in.find("unique")) {
        unique_opts parsed = read_unique(*unique);
        if (!parsed.empty()) opts.unique = std::move(parsed);
    }
    return opts;
}

}  // namespace

insert_many_params echo_job_params(const tools::json::value& job, std::string_view raw_job, bool allow_schema) {
    const params_reader in = allow_schema
                                 ? params_reader(job, {"behavior", "duration_ms", "message", "opts", "schema"})
                                 : params_reader(job, {"behavior", "duration_ms", "message", "opts"}, "job");
    const std::string behavior = in.string("behavior").value_or("");
    bool known = false;
    for (std::string_view name : behaviors) known = known || name == behavior;
    if (!known) throw rpc_error(rpc_code::invalid_params, "unknown behavior \"" + behavior + "\"");
    const std::uint64_t duration = in.unsigned_integer("duration_ms").value_or(0);
    const std::string message = in.string("message").value_or("");
    // River's Go conformanceArgs struct: fields in this order.
    std::string args = "{\"behavior\":" + tools::json_string(behavior) +
                       ",\"duration_ms\":" + std::to_string(duration) +
                       ",\"message\":" + tools::json_string(message) + "}";
    insert_many_params params{dynamic_args{"conformance_echo", std::move(args), {}}, {}};
    if (const auto* opts = in.find("opts")) params.opts = read_opts(*opts, tools::raw_member(raw_job, "opts"));
    return params;
}

}  // namespace riverqueue::conformance
