#include "jsonl_jobs.hpp"

#include <algorithm>
#include <iterator>

#include "json_input.hpp"
#include "option_values.hpp"
#include "raw_json.hpp"
#include "usage_error.hpp"

namespace riverqueue::cli {
namespace {

namespace json = tools::json;
using tools::find_member;

std::string string_field(const json::value& object, const char* name) {
    const json::value* v = find_member(object, name);
    if (v == nullptr || v->type != json::value_type::string) throw usage_error(std::string(name) + ": must be a string");
    return v->text;
}

// As the library reads it: 0 is River's "default" (docs/cli.md).
int int_field(const json::value& v, const char* field) {
    const auto n = tools::integer_of(v);
    if (!n) throw usage_error(std::string(field) + ": must be an integer");
    if (*n < INT32_MIN || *n > INT32_MAX) throw usage_error(std::string(field) + ": out of range");
    return static_cast<int>(*n);
}

bool bool_field(const json::value& v, const char* field) {
    if (v.type != json::value_type::boolean) throw usage_error(std::string(field) + ": must be true or false");
    return v.text == "true";
}

std::vector<std::string> string_list(const json::value& v, const char* field) {
    if (v.type != json::value_type::array) throw usage_error(std::string(field) + ": must be a list of strings");
    std::vector<std::string> items;
    for (const auto& item : v.items) {
        if (item.type != json::value_type::string) throw usage_error(std::string(field) + ": must be a list of strings");
        items.push_back(item.text);
    }
    return items;
}

unique_opts parse_unique(const json::value& v) {
    if (v.type != json::value_type::object) throw usage_error("unique_opts: must be an object");
    unique_opts unique;
    for (const auto& member : v.members) {
        const std::string& name = member.first;
        if (name != "by_args" && name != "by_period" && name != "by_queue" && name != "by_state" &&
            name != "exclude_kind") {
            throw usage_error("unique_opts." + name + ": unknown option");
        }
    }
    if (const auto* by_args = find_member(v, "by_args")) {
        if (by_args->type == json::value_type::boolean) {
            if (bool_field(*by_args, "unique_opts.by_args")) unique.by_args = unique_by_args_all{};
        } else {
            unique.by_args = string_list(*by_args, "unique_opts.by_args");
        }
    }
    if (const auto* period = find_member(v, "by_period")) {
        const auto seconds = tools::double_of(*period);
        if (!seconds) throw usage_error("unique_opts.by_period: must be a number of seconds");
        unique.by_period = unique_period_from_seconds(*seconds);
    }
    if (const auto* by_queue = find_member(v, "by_queue")) unique.by_queue = bool_field(*by_queue, "unique_opts.by_queue");
    if (const auto* by_state = find_member(v, "by_state")) {
        unique.by_state = job_states_from_names(string_list(*by_state, "unique_opts.by_state"));
    }
    if (const auto* exclude = find_member(v, "exclude_kind")) {
        unique.exclude_kind = bool_field(*exclude, "unique_opts.exclude_kind");
    }
    return unique;
}

// The exact text of a member that goes to the library as written. Given
// twice, the line would be ambiguous (Go keeps the last), so it is refused.
std::string raw_text(std::string_view line, const json::value& object, const char* name) {
    if (tools::member_count(object, name) > 1) throw usage_error(std::string(name) + ": given more than once");
    const std::string_view raw = tools::raw_member(line, name);
    // raw_member does not decode member names: `"\u0061rgs"` is not found.
    if (raw.empty()) throw usage_error(std::string(name) + ": write the member's name without escapes");
    return std::string(raw);
}

}  // namespace

insert_many_params parse_job_line(std::string_view line) {
    json::value o;
    try {
        o = json::parse(line);
    } catch (const json::parse_error& e) {
        // One line: the column says where, the line number is added by the reader.
        throw usage_error("not valid JSON at column " + std::to_string(e.column()) + ": " + e.reason());
    }
    if (o.type != json::value_type::object) throw usage_error("a job must be a JSON object");
    static const char* const known[] = {"kind",     "args", "queue",   "priority",   "max_attempts", "scheduled_at",
                                        "tags", "metadata", "pending", "unique_opts"};
    for (const auto& member : o.members) {
        bool is_known = false;
        for (const char* name : known) is_known = is_known || member.first == name;
        if (!is_known) throw usage_error(member.first + ": unknown field");
    }

    insert_many_params params;
    params.args.kind_name = string_field(o, "kind");
    if (find_member(o, "args") == nullptr) throw usage_error("args: required");
    params.args.json = raw_text(line, o, "args");
    insert_opts& opts = params.opts;
    if (const auto* queue = find_member(o, "queue")) {
        if (queue->type != json::value_type::string) throw usage_error("queue: must be a string");
        opts.queue = queue->text;
    }
    if (const auto* priority = find_member(o, "priority")) opts.priority = int_field(*priority, "priority");
    if (const auto* attempts = find_member(o, "max_attempts")) opts.max_attempts = int_field(*attempts, "max_attempts");
    if (const auto* scheduled = find_member(o, "scheduled_at")) {
        if (scheduled->type != json::value_type::string) throw usage_error("scheduled_at: must be an RFC 3339 string");
        opts.scheduled_at = time_from_rfc3339(scheduled->text, "scheduled_at");
    }
    if (const auto* tags = find_member(o, "tags")) opts.tags = string_list(*tags, "tags");
    if (find_member(o, "metadata") != nullptr) opts.metadata = raw_text(line, o, "metadata");
    if (const auto* pending = find_member(o, "pending")) opts.pending = bool_field(*pending, "pending");
    if (const auto* unique = find_member(o, "unique_opts")) {
        unique_opts parsed_unique = parse_unique(*unique);
        if (!parsed_unique.empty()) opts.unique = std::move(parsed_unique);
    }
    return params;
}

void job_line_numbers::add(std::size_t line) {
    const std::size_t skipped = line - 1 - jobs_;
    if (skipped != (skips_.empty() ? 0 : skips_.back().second)) skips_.emplace_back(jobs_, skipped);
    ++jobs_;
}

std::size_t job_line_numbers::line_of(std::size_t index) const {
    const auto after = std::upper_bound(skips_.begin(), skips_.end(), index,
                                        [](std::size_t i, const auto& skip) { return i < skip.first; });
    const std::size_t skipped = after == skips_.begin() ? 0 : std::prev(after)->second;
    return index + 1 + skipped;
}

}  // namespace riverqueue::cli
