#include "jsonl_jobs.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cmath>

#include <riverqueue/time.hpp>

#include "raw_json.hpp"
#include "usage_error.hpp"

namespace riverqueue::cli {
namespace {

namespace json = boost::json;

const json::value* find(const json::object& object, const char* name) {
    const auto it = object.find(name);
    return it == object.end() || it->value().is_null() ? nullptr : &it->value();
}

std::string string_field(const json::object& object, const char* name, const char* field) {
    const json::value* v = find(object, name);
    if (v == nullptr || !v->is_string()) throw usage_error(std::string(field) + ": must be a string");
    return std::string(v->as_string());
}

int int_field(const json::value& v, const char* field) {
    if (!v.is_int64() && !v.is_uint64()) throw usage_error(std::string(field) + ": must be an integer");
    const auto n = json::value_to<std::int64_t>(v);
    if (n < INT32_MIN || n > INT32_MAX) throw usage_error(std::string(field) + ": out of range");
    return static_cast<int>(n);
}

bool bool_field(const json::value& v, const char* field) {
    if (!v.is_bool()) throw usage_error(std::string(field) + ": must be true or false");
    return v.as_bool();
}

std::vector<std::string> string_list(const json::value& v, const char* field) {
    if (!v.is_array()) throw usage_error(std::string(field) + ": must be a list of strings");
    std::vector<std::string> items;
    for (const auto& item : v.as_array()) {
        if (!item.is_string()) throw usage_error(std::string(field) + ": must be a list of strings");
        items.emplace_back(item.as_string());
    }
    return items;
}

unique_opts parse_unique(const json::value& v) {
    if (!v.is_object()) throw usage_error("unique_opts: must be an object");
    const json::object& o = v.as_object();
    unique_opts unique;
    for (const auto& member : o) {
        const std::string_view name = member.key();
        if (name != "by_args" && name != "by_period" && name != "by_queue" && name != "by_state" &&
            name != "exclude_kind") {
            throw usage_error("unique_opts." + std::string(name) + ": unknown option");
        }
    }
    if (const auto* by_args = find(o, "by_args")) {
        if (by_args->is_bool()) {
            if (by_args->as_bool()) unique.by_args = unique_by_args_all{};
        } else {
            unique.by_args = string_list(*by_args, "unique_opts.by_args");
        }
    }
    if (const auto* period = find(o, "by_period")) {
        if (!period->is_number()) throw usage_error("unique_opts.by_period: must be a number of seconds");
        const double seconds = json::value_to<double>(*period);
        unique.by_period = std::chrono::nanoseconds(std::llround(seconds * 1e9));
        if (unique.by_period.count() == 0) throw usage_error("unique_opts.by_period: must be at least one second");
    }
    if (const auto* by_queue = find(o, "by_queue")) unique.by_queue = bool_field(*by_queue, "unique_opts.by_queue");
    if (const auto* by_state = find(o, "by_state")) {
        unique.by_state.emplace();
        for (const auto& name : string_list(*by_state, "unique_opts.by_state")) {
            const auto state = job_state_from_string(name);
            if (!state) throw usage_error("unique_opts.by_state: unknown state \"" + name + "\"");
            unique.by_state->push_back(*state);
        }
    }
    if (const auto* exclude = find(o, "exclude_kind")) {
        unique.exclude_kind = bool_field(*exclude, "unique_opts.exclude_kind");
    }
    return unique;
}

}  // namespace

insert_many_params parse_job_line(std::string_view line) {
    json::value parsed;
    try {
        parsed = json::parse(line);
    } catch (const std::exception& e) {
        throw usage_error(std::string("not valid JSON: ") + e.what());
    }
    if (!parsed.is_object()) throw usage_error("a job must be a JSON object");
    const json::object& o = parsed.as_object();
    static const char* const known[] = {"kind",     "args", "queue",   "priority",   "max_attempts", "scheduled_at",
                                        "tags", "metadata", "pending", "unique_opts"};
    for (const auto& member : o) {
        bool is_known = false;
        for (const char* name : known) is_known = is_known || member.key() == name;
        if (!is_known) throw usage_error(std::string(member.key()) + ": unknown field");
    }

    insert_many_params params;
    params.args.kind_name = string_field(o, "kind", "kind");
    if (find(o, "args") == nullptr) throw usage_error("args: required");
    params.args.json = std::string(tools::raw_member(line, "args"));
    insert_opts& opts = params.opts;
    if (const auto* queue = find(o, "queue")) {
        if (!queue->is_string()) throw usage_error("queue: must be a string");
        opts.queue = std::string(queue->as_string());
    }
    if (const auto* priority = find(o, "priority")) opts.priority = int_field(*priority, "priority");
    if (const auto* attempts = find(o, "max_attempts")) opts.max_attempts = int_field(*attempts, "max_attempts");
    if (const auto* scheduled = find(o, "scheduled_at")) {
        if (!scheduled->is_string()) throw usage_error("scheduled_at: must be an RFC 3339 string");
        opts.scheduled_at = parse_rfc3339(scheduled->as_string());
        if (!opts.scheduled_at) throw usage_error("scheduled_at: not an RFC 3339 time");
    }
    if (const auto* tags = find(o, "tags")) opts.tags = string_list(*tags, "tags");
    if (find(o, "metadata") != nullptr) opts.metadata = std::string(tools::raw_member(line, "metadata"));
    if (const auto* pending = find(o, "pending")) opts.pending = bool_field(*pending, "pending");
    if (const auto* unique = find(o, "unique_opts")) {
        unique_opts parsed_unique = parse_unique(*unique);
        if (!parsed_unique.empty()) opts.unique = std::move(parsed_unique);
    }
    return params;
}

}  // namespace riverqueue::cli
