#include "jsonl_jobs.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <iterator>

#include "option_values.hpp"
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
        unique.by_period = unique_period_from_seconds(json::value_to<double>(*period));
    }
    if (const auto* by_queue = find(o, "by_queue")) unique.by_queue = bool_field(*by_queue, "unique_opts.by_queue");
    if (const auto* by_state = find(o, "by_state")) {
        unique.by_state = job_states_from_names(string_list(*by_state, "unique_opts.by_state"));
    }
    if (const auto* exclude = find(o, "exclude_kind")) {
        unique.exclude_kind = bool_field(*exclude, "unique_opts.exclude_kind");
    }
    return unique;
}

// The exact text of a member that goes to the library as written. Boost.JSON
// keeps the last of repeated members where raw_member finds the first; a line
// on which they differ is ambiguous, so it is refused.
std::string raw_text(std::string_view line, const json::value& parsed, const char* name) {
    const std::string_view raw = tools::raw_member(line, name);
    // raw_member does not decode member names: `"\u0061rgs"` is not found.
    if (raw.empty()) throw usage_error(std::string(name) + ": write the member's name without escapes");
    json::error_code error;
    if (json::parse(raw, error) != parsed || error) throw usage_error(std::string(name) + ": given more than once");
    return std::string(raw);
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
    const json::value* args = find(o, "args");
    if (args == nullptr) throw usage_error("args: required");
    params.args.json = raw_text(line, *args, "args");
    insert_opts& opts = params.opts;
    if (const auto* queue = find(o, "queue")) {
        if (!queue->is_string()) throw usage_error("queue: must be a string");
        opts.queue = std::string(queue->as_string());
    }
    if (const auto* priority = find(o, "priority")) opts.priority = int_field(*priority, "priority");
    if (const auto* attempts = find(o, "max_attempts")) opts.max_attempts = int_field(*attempts, "max_attempts");
    if (const auto* scheduled = find(o, "scheduled_at")) {
        if (!scheduled->is_string()) throw usage_error("scheduled_at: must be an RFC 3339 string");
        opts.scheduled_at = time_from_rfc3339(scheduled->as_string(), "scheduled_at");
    }
    if (const auto* tags = find(o, "tags")) opts.tags = string_list(*tags, "tags");
    if (const auto* metadata = find(o, "metadata")) opts.metadata = raw_text(line, *metadata, "metadata");
    if (const auto* pending = find(o, "pending")) opts.pending = bool_field(*pending, "pending");
    if (const auto* unique = find(o, "unique_opts")) {
        unique_opts parsed_unique = parse_unique(*unique);
        if (!parsed_unique.empty()) opts.unique = std::move(parsed_unique);
    }
    return params;
}

jsonl_job_reader::jsonl_job_reader(std::istream& in) : in_(in) {}

std::optional<insert_many_params> jsonl_job_reader::next() {
    while (std::getline(in_, line_)) {
        ++lines_;
        bytes_ += line_.size() + 1;
        if (!line_.empty() && line_.back() == '\r') line_.pop_back();
        if (line_.find_first_not_of(" \t") == std::string::npos) continue;
        const std::size_t skipped = lines_ - 1 - jobs_;
        if (skipped != (skips_.empty() ? 0 : skips_.back().second)) skips_.emplace_back(jobs_, skipped);
        try {
            auto params = parse_job_line(line_);
            ++jobs_;
            return params;
        } catch (const usage_error& e) {
            throw usage_error("line " + std::to_string(lines_) + ": " + e.what());
        }
    }
    if (in_.bad()) throw usage_error("input: read error after line " + std::to_string(lines_));
    return std::nullopt;
}

std::size_t jsonl_job_reader::line_of(std::size_t index) const {
    const auto after = std::upper_bound(skips_.begin(), skips_.end(), index,
                                        [](std::size_t i, const auto& skip) { return i < skip.first; });
    const std::size_t skipped = after == skips_.begin() ? 0 : std::prev(after)->second;
    return index + 1 + skipped;
}

}  // namespace riverqueue::cli
