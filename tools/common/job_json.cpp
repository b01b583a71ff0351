#include "job_json.hpp"

#include <boost/json.hpp>

#include <riverqueue/time.hpp>

#include "core/hex.hpp"

namespace riverqueue::tools {
namespace {

std::string optional_time(const std::optional<time_point>& t) {
    return t ? json_string(format_rfc3339(*t)) : "null";
}

std::string string_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ",";
        out += json_string(items[i]);
    }
    return out + "]";
}


}  // namespace

std::string json_string(std::string_view text) { return boost::json::serialize(boost::json::string(text)); }

std::string states_json(const std::vector<job_state>& states) {
    std::vector<std::string> names;
    for (job_state state : states) names.emplace_back(to_string(state));
    return string_list(names);
}

std::string job_json(const job_row& job) {
    std::string errors = "[";
    for (std::size_t i = 0; i < job.errors.size(); ++i) {
        const auto& e = job.errors[i];
        if (i > 0) errors += ",";
        errors += "{\"at\":" + json_string(format_rfc3339(e.at)) + ",\"attempt\":" + std::to_string(e.attempt) +
                  ",\"error\":" + json_string(e.error) + ",\"trace\":" + json_string(e.trace) + "}";
    }
    errors += "]";
    std::string out = "{";
    out += "\"id\":" + std::to_string(job.id);
    out += ",\"args\":" + job.args;
    out += ",\"attempt\":" + std::to_string(job.attempt);
    out += ",\"attempted_at\":" + optional_time(job.attempted_at);
    out += ",\"attempted_by\":" + string_list(job.attempted_by);
    out += ",\"created_at\":" + json_string(format_rfc3339(job.created_at));
    out += ",\"errors\":" + errors;
    out += ",\"finalized_at\":" + optional_time(job.finalized_at);
    out += ",\"kind\":" + json_string(job.kind);
    out += ",\"max_attempts\":" + std::to_string(job.max_attempts);
    out += ",\"metadata\":" + job.metadata;
    out += ",\"priority\":" + std::to_string(job.priority);
    out += ",\"queue\":" + json_string(job.queue);
    out += ",\"state\":" + json_string(to_string(job.state));
    out += ",\"scheduled_at\":" + json_string(format_rfc3339(job.scheduled_at));
    out += ",\"tags\":" + string_list(job.tags);
    out += ",\"unique_key\":" + (job.unique_key ? json_string(core::to_hex(*job.unique_key)) : std::string("null"));
    out += ",\"unique_states\":" + (job.unique_states ? states_json(*job.unique_states) : std::string("null"));
    return out + "}";
}

std::string insert_result_json(const insert_result& result) {
    return "{\"job\":" + job_json(result.job) +
           ",\"unique_skipped_as_duplicated\":" + (result.unique_skipped_as_duplicated ? "true" : "false") + "}";
}

}  // namespace riverqueue::tools
