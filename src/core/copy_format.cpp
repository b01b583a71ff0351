#include "core/copy_format.hpp"

#include "core/identifiers.hpp"
#include "core/time_format.hpp"

namespace riverqueue::core {
namespace {

constexpr int default_max_attempts = 25;  // river_job.max_attempts DEFAULT (schema version 7)
constexpr int default_priority = 1;

}  // namespace

unsigned non_default_columns(const resolved_job& job) {
    unsigned columns = 0;
    if (job.scheduled_at != job.created_at) columns |= copy_timestamps;
    if (job.max_attempts != default_max_attempts) columns |= copy_max_attempts;
    if (job.metadata != "{}") columns |= copy_metadata;
    if (job.priority != default_priority) columns |= copy_priority;
    if (job.queue != "default") columns |= copy_queue;
    if (job.state != job_state::available) columns |= copy_state;
    if (!job.tags.empty()) columns |= copy_tags;
    return columns;
}

std::string copy_jobs_statement(std::string_view schema, unsigned columns) {
    std::string sql = "COPY " + schema_prefix(schema) + "river_job (args, kind";
    if ((columns & copy_timestamps) != 0) sql += ", created_at, scheduled_at";
    if ((columns & copy_max_attempts) != 0) sql += ", max_attempts";
    if ((columns & copy_metadata) != 0) sql += ", metadata";
    if ((columns & copy_priority) != 0) sql += ", priority";
    if ((columns & copy_queue) != 0) sql += ", queue";
    if ((columns & copy_state) != 0) sql += ", state";
    if ((columns & copy_tags) != 0) sql += ", tags";
    return sql + ") FROM STDIN";
}

void append_copy_field(std::string& out, std::string_view value) {
    for (char c : value) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            default: out.push_back(c);
        }
    }
}

void append_copy_row(std::string& out, const resolved_job& job, unsigned columns) {
    append_copy_field(out, job.args);
    out.push_back('\t');
    append_copy_field(out, job.kind);
    if ((columns & copy_timestamps) != 0) {
        out.push_back('\t');
        out += format_rfc3339_micros(job.created_at);
        out.push_back('\t');
        out += format_rfc3339_micros(job.scheduled_at);
    }
    if ((columns & copy_max_attempts) != 0) {
        out.push_back('\t');
        out += std::to_string(job.max_attempts);
    }
    if ((columns & copy_metadata) != 0) {
        out.push_back('\t');
        append_copy_field(out, job.metadata);
    }
    if ((columns & copy_priority) != 0) {
        out.push_back('\t');
        out += std::to_string(job.priority);
    }
    if ((columns & copy_queue) != 0) {
        out.push_back('\t');
        out += job.queue;  // validated: [a-z0-9_|-] only
    }
    if ((columns & copy_state) != 0) {
        out.push_back('\t');
        out += to_string(job.state);
    }
    if ((columns & copy_tags) != 0) {
        // An array literal. Tags are word characters and '-', so quoting needs no
        // escaping, but it is needed: unquoted, a tag named NULL would be a NULL.
        out += "\t{";
        for (std::size_t i = 0; i < job.tags.size(); ++i) {
            if (i > 0) out.push_back(',');
            out.push_back('"');
            out += job.tags[i];
            out.push_back('"');
        }
        out.push_back('}');
    }
    out.push_back('\n');
}

}  // namespace riverqueue::core
